"""smtp.send against a relay that hangs up at the worst moment: no database needed."""

import asyncio

from inventory.notifications import smtp


async def _relay_that_hangs_up_after_354(reader, writer):
    """Answers every command until DATA, replies 354, then closes the connection."""
    writer.write(b"220 relay.example ESMTP\r\n")
    await writer.drain()
    while line := await reader.readline():
        command = line.decode("ascii", "replace").strip().upper()
        if command.startswith("DATA"):
            writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            await writer.drain()
            writer.close()
            return
        writer.write(b"250 OK\r\n")
        await writer.drain()


def test_a_relay_that_hangs_up_while_the_data_is_being_prepared_is_unreachable():
    """The relay closes the connection while before_data runs: aiosmtplib then drops the
    client's protocol. send() says "unreachable" (nothing was sent: retry), as its promise
    is, rather than raising AttributeError on the missing protocol."""

    async def scenario() -> smtp.Result:
        server = await asyncio.start_server(_relay_that_hangs_up_after_354, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        config = smtp.SmtpConfig(host="127.0.0.1", port=port,
                                 timeouts=smtp.Timeouts(greeting=5, command=5, data_start=5,
                                                        data_end=2))

        async def before_data() -> None:
            await asyncio.sleep(0.3)  # a slow database write: the hang-up arrives meanwhile

        try:
            return await smtp.send(config, "tech@brenneville.example", "Panne", "Écran noir.",
                                   before_data=before_data)
        finally:
            server.close()
            await server.wait_closed()

    result = asyncio.run(scenario())
    assert result.outcome == smtp.UNREACHABLE
    assert "disconnected" in result.error.lower() or "lost" in result.error.lower()
