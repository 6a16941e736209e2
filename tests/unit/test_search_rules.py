"""The search's pure rules (assets/rules.py): trigrams, the FTS5 query that narrows a
search on SQLite, and when a search over every site is read in tag order."""

import sqlite3

from inventory.assets import queries, rules


def test_trigrams_cover_the_term_end_first_and_stay_few():
    assert rules.trigrams("ab") == [] and not rules.uses_substring_index("ab")
    assert rules.trigrams("abc") == ["abc"] and rules.uses_substring_index("abc")
    assert rules.trigrams("brn-0012") == ["012", "brn", "-00", "rn-", "n-0", "001"]
    assert rules.trigrams("aaaaaa") == ["aaa"]
    long = rules.trigrams("abcdefghijklmnopqrstuvwxyz0123456789")
    assert len(long) == 12 and long[:3] == ["789", "abc", "def"]


def test_a_phrase_keeps_every_character_plain():
    assert rules.fts_phrase("100%") == '"100%"'
    assert rules.fts_phrase('a"b') == '"a""b"'


def test_narrowing_asks_for_the_rarest_trigrams_only():
    counts = {"012": 30, "brn": 5000, "rn-": 5000, "001": 12, "-00": 900, "n-0": 4999}
    assert rules.narrowing_query(counts, below=1000) == '"001" AND "012" AND "-00"'
    assert rules.narrowing_query(counts, below=1000, most=1) == '"001"'
    assert rules.narrowing_query(counts, below=10) is None
    assert rules.narrowing_query({"abc": 0}, below=1) == '"abc"'
    assert rules.narrow_below(100_000) == 2000 and rules.narrow_below(1_000_000) == 20_000


def test_the_fts5_query_finds_a_substring_and_nothing_else():
    """What SQLite's trigram table (as m0029 makes it) answers to the queries built here:
    every asset holding the term holds its trigrams; the LIKE then decides."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram case_sensitive 1', "
                 "detail=none)")
    texts = ["brn-000123\nmapa-2019", "brn-001230\n100% sur_site", 'say "hi"', "écran"]
    conn.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", enumerate(texts, 1))
    for term in ("0012", "100% s", "r_si", 'y "h', "écr", "mapa-2019", "zzz"):
        folded = rules.fold(term)
        query = rules.narrowing_query({t: 0 for t in rules.trigrams(folded)}, below=1,
                                      most=99)
        candidates = {r[0] for r in conn.execute("SELECT rowid FROM t WHERE t MATCH ?",
                                                 (query,))}
        holding = {i for i, text in enumerate(texts, 1) if folded in text}
        assert holding <= candidates, term
    # The counts as trigram_counts reads them: capped.
    sql = queries.trigram_counts(2, 1).replace("asset_search", "t").replace("{}", "?")
    sql = sql.replace("(SELECT MAX(id) FROM asset)", "0")
    assert conn.execute(sql, ('"brn"', '"zzz"')).fetchone() == (1, 0, 0)


def test_walk_in_tag_order_when_matches_are_dense_enough():
    # 50 shown out of 20,000 matches among 100,000 assets: about 250 rows walked.
    assert rules.walk_in_tag_order(20_000, 50, 100_000)
    # 600 matches: the walk would read about 8,000 rows for 50; read the 600 and sort.
    assert not rules.walk_in_tag_order(600, 50, 100_000)
    assert not rules.walk_in_tag_order(rules.WALK_AT_LEAST - 1, 1, 1)
    # A far page needs more matches to be worth a walk.
    assert not rules.walk_in_tag_order(20_000, 5_000, 100_000)
