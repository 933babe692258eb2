"""The π engine from Python: compute, read (also as NumPy), search, the
Ulam spiral, π identifiers. Creates ./pi_db in the current directory."""

from spirapi import SpiraPiDatabase

with SpiraPiDatabase("pi_db") as db:
    info = db.pi.compute(100_000, progress=lambda f: None)
    print(info.id, info.precision, "digits, verified:", info.verified)
    print("first digits:", db.pi.read_digits(info.id, 1, 10))
    try:
        import numpy  # noqa: F401 - optional
        digits = db.pi.read_digits_array(info.id)
        print("digit counts:", [int((digits == d).sum()) for d in range(10)])
    except ImportError:
        print("NumPy not installed: read_digits_array needs it")
    feynman = db.pi.find_pattern(info.id, "999999")
    print("999999 first at position", feynman.matches[0].position)
    near = db.pi.find_pattern(info.id, "314159", max_mismatches=1, limit=3)
    print("314159 within one digit:", near.total, "times")
    cell = db.pi.digit_at(info.id, 1, 0)
    assert cell is not None
    print("spiral cell (1, 0) holds position", cell.position, "digit", cell.digit)
    ids = db.pi.new_ids(3)
    print("new ids:", ids, "->", db.pi.resolve_id(ids[0]))
