"""The π engine: π digit sequences computed, stored, read, analysed and
searched inside a database, and unique identifiers made of π digits.

Get a :class:`PiStore` from an open database (``db.pi``). Digit positions
are 1-based and count the digits after "3.": position 1 holds the 1 of
3.14159... Spiral cells are those of the Ulam spiral: position 1 at (0, 0),
2 at (1, 0), then counter-clockwise (docs/PI.md).

Every method may be called from several threads at once; the engine runs
without the GIL. Errors are :class:`spirapi.Error` subclasses:
NotFoundError for a sequence that does not exist, InvalidArgumentError for
bad input (nothing is changed then), TypeError for an argument of the wrong
type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Final, List, Optional, Sequence, Union

from spirapi import _checks, _spirapi
from spirapi._errors import Error, InvalidArgumentError, InvalidTypeError, NotFoundError

if TYPE_CHECKING:
    import numpy
    import numpy.typing

#: Sequences hold 1 .. MAX_SEQUENCE_DIGITS (2**31 - 1) digits.
MAX_SEQUENCE_DIGITS: Final[int] = _spirapi.MAX_SEQUENCE_DIGITS
#: Digits per stored chunk record.
SEQUENCE_CHUNK_DIGITS: Final[int] = _spirapi.SEQUENCE_CHUNK_DIGITS
#: Sequence ids are 1 .. MAX_SEQUENCE_ID_BYTES characters of [A-Za-z0-9._-].
MAX_SEQUENCE_ID_BYTES: Final[int] = _spirapi.MAX_SEQUENCE_ID_BYTES

#: A progress callback: called with the fraction done (0.0 .. 1.0);
#: returning False cancels (None or True go on).
ProgressCallback = Callable[[float], Union[bool, None]]

#: Called with a damaged sequence's id and the error reading it raised;
#: returning False stops the search (None or True go on).
DamageCallback = Callable[[str, Error], Union[bool, None]]


@dataclass
class SequenceInfo:
    """What is stored about a π sequence besides its digits: the
    specification's sequence record.

    ``sequence`` is "3." and the first 50 digits ("..." after them if there
    are more); ``precision`` the number of digits after "3."; ``algorithm``
    "chudnovsky" for computed sequences, what was given for stored ones;
    ``computation_time`` seconds spent computing; ``verified`` whether the
    BBP check passed; ``uniqueness_score`` 0.3·E + 0.3·P + 0.2·Lf + 0.2·R of
    the whole sequence (docs/PI.md); ``mathematical_properties``
    ``{"digit_distribution": ..., "pattern_analysis": ...}``;
    ``digits_sha256`` the hex SHA-256 of the ASCII digits; ``stored_at`` the
    commit time (seconds since the Unix epoch); ``chunks`` the number of
    digit records (1,000,002 digits each).
    """

    id: str
    sequence: str
    precision: int
    algorithm: str
    computation_time: float
    verified: bool
    uniqueness_score: float
    mathematical_properties: Dict[str, Any]
    digits_sha256: str
    stored_at: float
    chunks: int

    @classmethod
    def _from_json(cls, text: str) -> SequenceInfo:
        d = json.loads(text)
        return cls(id=d["id"], sequence=d["sequence"], precision=d["precision"],
                   algorithm=d["algorithm"], computation_time=d["computation_time"],
                   verified=d["verified"], uniqueness_score=d["uniqueness_score"],
                   mathematical_properties=d["mathematical_properties"],
                   digits_sha256=d["digits_sha256"], stored_at=d["stored_at"],
                   chunks=d["chunks"])

    def to_dict(self) -> Dict[str, Any]:
        """The description as the engine writes it (SequenceInfo::ToJson),
        members in its order."""
        return {"id": self.id, "sequence": self.sequence, "precision": self.precision,
                "algorithm": self.algorithm, "computation_time": self.computation_time,
                "verified": self.verified, "uniqueness_score": self.uniqueness_score,
                "mathematical_properties": self.mathematical_properties,
                "digits_sha256": self.digits_sha256, "chunks": self.chunks,
                "stored_at": self.stored_at}


@dataclass
class PatternMatch:
    """One occurrence of a pattern: the position of its first digit, and
    how many of its digits differ from the pattern's."""

    position: int
    mismatches: int


@dataclass
class PatternResult:
    """A pattern search's answer: ``total`` counts every match, ``matches``
    holds those asked for (a page of them), in position order."""

    total: int
    matches: List[PatternMatch]

    @classmethod
    def _from_tuple(cls, t: Any) -> PatternResult:
        return cls(t[0], [PatternMatch(p, m) for p, m in t[1]])


@dataclass
class SpiralDigit:
    """A digit placed on the Ulam spiral: its cell (x, y), its position and
    its value (an int 0..9)."""

    x: int
    y: int
    position: int
    digit: int


@dataclass
class PiIdInfo:
    """A decoded π identifier: the position where its digits start in π,
    and that position's spiral cell (x, y)."""

    position: int
    x: int
    y: int


def _spiral(cells: List[Any]) -> List[SpiralDigit]:
    return [SpiralDigit(x, y, p, d) for x, y, p, d in cells]


class PiStore:
    """The π sequences of a database.

    What it writes is ordinary records (docs/FORMAT.md, "π records"), so it
    is checksummed, compressed, encrypted when the database is, and
    transactional like everything else.
    """

    def __init__(self, database: _spirapi.Database) -> None:
        """The π store of ``database``, an open ``spirapi._spirapi.Database``
        (``SpiraPiDatabase.pi`` makes it for you)."""
        self._store = _spirapi.PiStore(database)
        self._database = database

    def compute(self, digits: int, id: Optional[str] = None, *, verify: bool = True,
                threads: int = 2,
                progress: Optional[ProgressCallback] = None) -> SequenceInfo:
        """Computes π to ``digits`` digits after "3." (1 .. 2**31 - 1;
        Chudnovsky) and stores it as sequence ``id`` (default
        ``"pi-<digits>"``), replacing one of the same id.

        ``verify`` checks the binary result against digits computed
        independently by the BBP formula before conversion (a mismatch is a
        CorruptionError and nothing is stored). ``threads`` is 1 .. 256.
        ``progress`` is called with the fraction done at every report of
        the engine (up to about 500 times, and 1.0 at the end); returning
        False stops the computation there with CancelledError and stores
        nothing. Ctrl-C stops it too (KeyboardInterrupt). 10**6 digits take
        about 0.3 s, 10**7 about 4 s.
        """
        digits = _checks.uint64(digits, "digits")
        if id is not None:
            id = _checks.text(id, "id")
        threads = _checks.c_int(threads, "threads")
        return SequenceInfo._from_json(self._store.compute(
            digits, id, verify=verify, threads=threads, progress=progress))

    def store_sequence(self, id: str, digits: str, *, algorithm: str = "imported",
                       computation_time: float = 0.0, verified: bool = False) -> SequenceInfo:
        """Stores ``digits`` (the digits after "3.", '0'..'9'; a leading
        "3." is dropped) as sequence ``id``, replacing one of the same id and
        its pattern index, and returns its description (the digits are
        analysed for it). Atomic: a crash leaves the old sequence or the new
        one. ``id`` is 1..128 characters of [A-Za-z0-9._-]."""
        _checks.text(id, "id")
        _checks.text(digits, "digits")
        _checks.text(algorithm, "algorithm")
        computation_time = _checks.number(computation_time, "computation_time")
        return SequenceInfo._from_json(self._store.store(
            id, digits, algorithm=algorithm, computation_time=computation_time,
            verified=verified))

    def retrieve_sequence(self, id: str) -> Optional[SequenceInfo]:
        """The description of sequence ``id``, or None if there is none."""
        text = self._store.retrieve(_checks.text(id, "id"))
        return None if text is None else SequenceInfo._from_json(text)

    def search_sequences(self, *, algorithm: Optional[str] = None,
                         min_precision: Optional[int] = None,
                         max_precision: Optional[int] = None,
                         min_computation_time: Optional[float] = None,
                         max_computation_time: Optional[float] = None,
                         min_uniqueness: Optional[float] = None,
                         max_uniqueness: Optional[float] = None,
                         stored_after: Optional[float] = None,
                         stored_before: Optional[float] = None,
                         limit: Optional[int] = None,
                         on_damaged: Optional[DamageCallback] = None) -> List[SequenceInfo]:
        """The descriptions of the sequences that meet every bound given
        (bounds included; None leaves one out), in id order, at most
        ``limit`` of them. ``stored_after`` and ``stored_before`` are
        seconds since the Unix epoch.

        A damaged description stops the search with CorruptionError, unless
        ``on_damaged`` is given: it is then called with the sequence's id and
        the error for each damaged one, and the search goes on while it
        returns True or None. (It is called once the search is done, so
        returning False leaves out the matches after that id.)
        """
        if algorithm is not None:
            _checks.text(algorithm, "algorithm")
        if on_damaged is not None and not callable(on_damaged):
            raise InvalidTypeError(f"on_damaged must be callable, not {type(on_damaged).__name__}")
        found, damaged = self._store.search(
            algorithm=algorithm,
            min_precision=_checks.optional_uint64(min_precision, "min_precision"),
            max_precision=_checks.optional_uint64(max_precision, "max_precision"),
            min_computation_time=_checks.optional_number(min_computation_time,
                                                         "min_computation_time"),
            max_computation_time=_checks.optional_number(max_computation_time,
                                                         "max_computation_time"),
            min_uniqueness=_checks.optional_number(min_uniqueness, "min_uniqueness"),
            max_uniqueness=_checks.optional_number(max_uniqueness, "max_uniqueness"),
            stored_after=_checks.optional_number(stored_after, "stored_after"),
            stored_before=_checks.optional_number(stored_before, "stored_before"),
            limit=_checks.optional_uint64(limit, "limit"),
            collect_damaged=on_damaged is not None)
        infos = [SequenceInfo._from_json(text) for text in found]
        for id, error in damaged:
            if on_damaged is not None and on_damaged(id, error) is False:
                # Ids are ASCII, so str order is the engine's byte order.
                return [info for info in infos if info.id < id]
        return infos

    def read_digits(self, id: str, first: int = 1, count: Optional[int] = None) -> str:
        """The digits at positions ``first`` .. ``first + count - 1`` of
        sequence ``id`` as a str ('0'..'9'); ``count`` None reads to the end.
        Only the chunk records that hold them are read. InvalidArgumentError
        if the range is empty or goes past the sequence's precision."""
        return self._store.read_digits(_checks.text(id, "id"), _checks.uint64(first, "first"),
                                       _checks.optional_uint64(count, "count"))

    def read_digits_array(self, id: str, first: int = 1,
                          count: Optional[int] = None) -> numpy.typing.NDArray[numpy.uint8]:
        """As :meth:`read_digits`, but the digits' values (0..9) as a NumPy
        uint8 array. The array takes over the engine's buffer, so it costs
        one byte per digit and no copy. ImportError if NumPy is missing."""
        return self._store.read_digits_array(_checks.text(id, "id"),
                                             _checks.uint64(first, "first"),
                                             _checks.optional_uint64(count, "count"))

    def delete_sequence(self, id: str) -> bool:
        """Removes sequence ``id``, its digits and its pattern index in one
        transaction; False if there was no such sequence."""
        return self._store.delete(_checks.text(id, "id"))

    def digit_at(self, id: str, x: int, y: int) -> Optional[SpiralDigit]:
        """The digit of sequence ``id`` at spiral cell (x, y), or None if
        that cell's position is beyond the sequence's precision.
        NotFoundError if there is no such sequence."""
        t = self._store.digit_at(_checks.text(id, "id"), _checks.int64(x, "x"),
                                 _checks.int64(y, "y"))
        return None if t is None else SpiralDigit(*t)

    def digits_in_disc(self, id: str, x: int, y: int, radius: int) -> List[SpiralDigit]:
        """The digits of the cells within Euclidean distance ``radius`` of
        (x, y) that the sequence reaches, in position order.
        InvalidArgumentError if radius < 0 or the disc holds more than 10**7
        cells."""
        return _spiral(self._store.digits_in_disc(
            _checks.text(id, "id"), _checks.int64(x, "x"), _checks.int64(y, "y"),
            _checks.int64(radius, "radius")))

    def digits_in_window(self, id: str, x0: int, y0: int, x1: int,
                         y1: int) -> List[SpiralDigit]:
        """The digits of the cells x0 <= x <= x1, y0 <= y <= y1 that the
        sequence reaches, in position order. InvalidArgumentError if
        x0 > x1, y0 > y1 or the window holds more than 10**7 cells."""
        return _spiral(self._store.digits_in_window(
            _checks.text(id, "id"), _checks.int64(x0, "x0"), _checks.int64(y0, "y0"),
            _checks.int64(x1, "x1"), _checks.int64(y1, "y1")))

    def build_pattern_index(self, id: str,
                            progress: Optional[ProgressCallback] = None) -> None:
        """Builds (or rebuilds) the pattern index of sequence ``id`` and
        stores it, so that the first :meth:`find_pattern` does not pay for
        it (about 10 s at 10**8 digits).

        The build cannot be stopped midway: ``progress`` is called with 0.0
        before it starts (returning False then raises CancelledError and
        builds nothing) and with 1.0 once the index is stored; Ctrl-C
        during the build raises KeyboardInterrupt once it is done.
        NotSupportedError on a read-only database.
        """
        self._store.build_pattern_index(_checks.text(id, "id"), progress)

    def find_pattern(self, id: str, pattern: str, *, max_mismatches: int = 0, skip: int = 0,
                     limit: int = 10) -> PatternResult:
        """Where ``pattern`` (1..64 digits) occurs in sequence ``id``,
        exactly or with up to ``max_mismatches`` (0..3; patterns of up to 32
        digits then) differing digits: the total, and the matches ``skip`` ..
        ``skip + limit - 1`` in position order. The first search of a
        sequence loads (or builds and stores) its index."""
        return PatternResult._from_tuple(self._store.find_pattern(
            _checks.text(id, "id"), _checks.text(pattern, "pattern"),
            max_mismatches=_checks.c_int(max_mismatches, "max_mismatches"),
            skip=_checks.uint64(skip, "skip"), limit=_checks.uint64(limit, "limit")))

    def find_patterns(self, id: str, patterns: Sequence[str],
                      max_positions: int = 1) -> List[PatternResult]:
        """Many exact patterns (up to 100,000) in one pass over the digits,
        without the index: result i is patterns[i]'s total and its first
        ``max_positions`` matches (at least the first, if there is one)."""
        if isinstance(patterns, (str, bytes)):
            raise InvalidTypeError("patterns must be a sequence of str, not a single "
                            + type(patterns).__name__)
        listed = [_checks.text(p, f"patterns[{i}]") for i, p in enumerate(patterns)]
        results = self._store.find_patterns(_checks.text(id, "id"), listed,
                                            _checks.uint64(max_positions, "max_positions"))
        return [PatternResult._from_tuple(t) for t in results]

    def new_ids(self, count: int = 1, digits_per_id: int = 12) -> List[str]:
        """``count`` (1 .. 10**7) new identifiers, each the
        ``digits_per_id`` (4..32) digits of π at a fresh position, then '-'
        and that position: "141592653589-1", "415926535897-2", ... No
        position is handed out twice, also across crashes. The digits come
        from the sequence "pi-ids", computed when first needed (a pause of
        about a second; compute it ahead to avoid it)."""
        return self._store.new_ids(_checks.uint64(count, "count"),
                                   _checks.c_int(digits_per_id, "digits_per_id"))

    def resolve_id(self, id: str) -> PiIdInfo:
        """Decodes an identifier made by :meth:`new_ids` and checks its
        digits against π. InvalidArgumentError if it is malformed or its
        digits are not π's at its position."""
        return PiIdInfo(*self._store.resolve_id(_checks.text(id, "id")))

    def analyze(self, id: str, first: int = 1, count: Optional[int] = None, *,
                kgram: int = 4, top: int = 10, lags: int = 10, cache: bool = True,
                cache_ttl: float = 0) -> Dict[str, Any]:
        """Digit statistics of positions ``first`` .. ``first + count - 1``
        of sequence ``id`` (``count`` None: to the end): ``digit_distribution``,
        ``pattern_analysis`` (k-grams up to ``kgram``, the ``top`` most
        frequent, serial correlation at lags 1..``lags``) and ``uniqueness``,
        plus ``cached``: whether the result came from the result cache
        (docs/RESULT_CACHE.md). ``cache`` False neither reads nor stores it;
        ``cache_ttl`` > 0 bounds how long it is kept (0: until the sequence
        changes). NotFoundError, InvalidArgumentError for a bad range."""
        import json
        if count == 0:
            raise InvalidArgumentError("count must be at least 1 (None: to the end)")
        text, cached = _spirapi.analyze_sequence(
            self._database, _checks.text(id, "id"), _checks.uint64(first, "first"),
            _checks.optional_uint64(count, "count") or 0, _checks.c_int(kgram, "kgram"),
            _checks.c_int(top, "top"), _checks.c_int(lags, "lags"), bool(cache),
            _checks.number(cache_ttl, "cache_ttl"))
        out: Dict[str, Any] = json.loads(text)
        out["cached"] = cached
        return out

    def statistics(self, id: str) -> Dict[str, Any]:
        """The stored analysis of sequence ``id`` (its
        ``mathematical_properties``): ``digit_distribution`` (counts,
        chi-square, ...) and ``pattern_analysis`` (k-grams up to k = 5).
        NotFoundError if there is no such sequence."""
        info = self.retrieve_sequence(id)
        if info is None:
            raise NotFoundError(f"no sequence '{id}'")
        return info.mathematical_properties


__all__ = ["PiStore", "SequenceInfo", "PatternMatch", "PatternResult", "SpiralDigit",
           "PiIdInfo", "ProgressCallback", "DamageCallback", "MAX_SEQUENCE_DIGITS",
           "SEQUENCE_CHUNK_DIGITS", "MAX_SEQUENCE_ID_BYTES"]
