from connector.crm.salesforce.floor import floor_calls


def test_floor_counts_full_pages_per_query_kind_and_batches_per_write_path():
    rows = {"query:Lead": 4500, "query:Task": 2000, "queryAll:Event": 0}
    written = {"collections:Lead": 450, "bulk": 5000, "bulk_jobs": 1}
    calls = {"describe": 1, "jobs/ingest/failedResults": 1}
    # reads 3 + 1 + 1, collections 3, one bulk job 4 + its failed results 1, describe 1
    assert floor_calls(calls, rows, written) == 5 + 3 + 5 + 1


def test_floor_counts_collections_per_object_written():
    written = {"collections:Lead": 150, "collections:Account": 7}
    # Leads and the Accounts rolled up from their contacts are written in calls of their own.
    assert floor_calls({}, {}, written) == 1 + 1
