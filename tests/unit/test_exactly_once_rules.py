"""The outbox's decisions after each kind of attempt, and the SMTP pieces (pure)."""

import pytest

from inventory.notifications import outbox, smtp
from inventory.notifications.outbox import FAILED, PENDING, SENT, UNCERTAIN, Next, after


def test_sent_is_sent_whatever_came_before():
    assert after(smtp.SENT, PENDING, 1) == Next(SENT)
    assert after(smtp.SENT, UNCERTAIN, 2) == Next(SENT)
    assert after(smtp.SENT, PENDING, outbox.MAX_ATTEMPTS) == Next(SENT)


def test_a_permanent_refusal_fails_at_once():
    assert after(smtp.PERMANENT, PENDING, 1) == Next(FAILED)


@pytest.mark.parametrize("outcome", [smtp.TEMPORARY, smtp.UNREACHABLE])
def test_temporary_trouble_is_retried_with_growing_delays_then_fails(outcome):
    delays = [after(outcome, PENDING, n).delay for n in range(1, outbox.MAX_ATTEMPTS)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600]
    assert all(after(outcome, PENDING, n).state == PENDING for n in range(1, outbox.MAX_ATTEMPTS))
    assert after(outcome, PENDING, outbox.MAX_ATTEMPTS) == Next(FAILED)
    assert after(outcome, PENDING, 3, max_attempts=3) == Next(FAILED)


def test_no_reply_after_the_data_makes_it_uncertain_for_an_hour():
    assert after(smtp.DATA_TIMEOUT, PENDING, 1) == Next(UNCERTAIN, 3600)
    assert after(smtp.DATA_TIMEOUT, PENDING, 2, uncertain_delay=5) == Next(UNCERTAIN, 5)
    # ...but not past the bound on attempts.
    assert after(smtp.DATA_TIMEOUT, PENDING, outbox.MAX_ATTEMPTS) == Next(FAILED)


@pytest.mark.parametrize("outcome", [smtp.DATA_TIMEOUT, smtp.TEMPORARY, smtp.UNREACHABLE,
                                     smtp.PERMANENT])
def test_the_try_after_an_uncertain_one_is_the_last(outcome):
    """So a message is delivered at most twice."""
    assert after(outcome, UNCERTAIN, 2) == Next(FAILED)


def test_reply_codes():
    assert smtp.outcome_of_reply(550) == smtp.PERMANENT
    assert smtp.outcome_of_reply(554) == smtp.PERMANENT
    assert smtp.outcome_of_reply(421) == smtp.TEMPORARY
    assert smtp.outcome_of_reply(451) == smtp.TEMPORARY


def test_the_standards_timeouts_and_a_claim_longer_than_any_attempt():
    t = smtp.Timeouts()
    assert (t.greeting, t.command, t.data_start, t.data_end) == (300, 300, 120, 600)
    config = smtp.SmtpConfig(host="mail.example", port=25)
    assert config.timeouts == t
    assert outbox.claim_seconds(config) > t.worst_case() >= 600 + 120 + 300 * 8


def test_data_is_dot_stuffed_and_terminated():
    assert smtp._stuffed(b"a\n.b\r\n..c") == b"a\r\n..b\r\n...c\r\n.\r\n"
    assert smtp._stuffed(b"x\r\n") == b"x\r\n.\r\n"


def test_the_message_carries_the_stored_message_id():
    config = smtp.SmtpConfig(host="mail.example", port=25, sender="inv@ville.example")
    raw = smtp.build_message(config, "tech@ville.example", "Panne à l'école", "Écran noir.",
                             "<abc@ville.example>", eight_bit=False)
    assert b"Message-ID: <abc@ville.example>\r\n" in raw
    assert max(raw) < 128  # quoted-printable when the relay has no 8BITMIME
    first, second = outbox.new_message_id("ville.example"), outbox.new_message_id("ville.example")
    assert first != second and first.startswith("<") and first.endswith("@ville.example>")
