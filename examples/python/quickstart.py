"""docs/PYTHON.md's first session, and the core operations of the
specification's SpiraPiDatabase: sequences, records, schemas, queries,
statistics. Creates ./project_name in the current directory."""

import spirapi
from spirapi import SpiraPiDatabase, StorageRecord, StorageType

with SpiraPiDatabase("project_name", compression_level=6, max_file_size_mb=100) as db:
    # The specification's π store: digits in, the analysed record out.
    seq_id = db.store_sequence({"sequence": "3.14159265358979323846", "algorithm": "manual"})
    record = db.retrieve_sequence(seq_id)
    assert record is not None
    print(seq_id, "precision", record["precision"], "uniqueness", record["uniqueness_score"])
    print(len(db.search_sequences({"algorithm": "manual", "min_precision": 10})), "found")

    # Any JSON value in any of the six components.
    db.store(StorageRecord("run-1", StorageType.METADATA, {"host": "a", "ms": 12.5}))
    run = db.retrieve("run-1", StorageType.METADATA)
    assert run is not None and run.data == {"host": "a", "ms": 12.5}
    print([r.id for r in db.search({"host": "a"}, StorageType.METADATA)])

    cache = db[StorageType.CACHE]
    cache.put("answer", {"value": 42}, metadata={"ttl": 60}, blob=b"\x00\x01")
    print(cache["answer"].version, len(cache), "answer" in cache)

    # Schemas that validate and evolve.
    name = db.store_schema({"name": "measurements", "zone": "flexible",
                            "fields": {"value": {"type": "float", "required": True}}})
    rid = db.schemas.insert(name, {"value": 2.5, "unit": "mm"})  # "unit" is learnt
    schema = db.retrieve_schema(name)
    assert schema is not None
    print(name, "version", schema["version"], "fields", sorted(schema["fields"]))
    try:
        db.schemas.insert(name, {"unit": "mm"})
    except spirapi.InvalidArgumentError as e:
        print("refused:", e)

    # Queries and their history.
    qid = db.store_query({"text": "precision >= 10", "results": 1})
    print(db.retrieve_query(qid), len(db.search_queries({"results": 1})))

    # Transactions: all or nothing, retried on conflict.
    for attempt in range(10):
        try:
            with db.transaction() as txn:
                total = txn.get(StorageType.METADATA, "total")
                txn.put(StorageType.METADATA, "total", (total.data if total else 0) + 1)
            break
        except spirapi.ConflictError:
            continue

    stats = db.get_database_stats()
    print("records:", stats["total_records"], "cache hit rate:", round(stats["cache_hit_rate"], 3))
    print("verify:", "clean" if db.verify()["clean"] else "DAMAGED")
