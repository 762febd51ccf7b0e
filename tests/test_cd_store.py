"""The C&D manifest store: every rejected-row reason, GBK and XLSX input, idempotent and resumable loads,
on the embedded DuckDB file and on a real PostgreSQL server."""
from __future__ import annotations

import pandas as pd
import pytest

from wasteopt.cd import formats
from wasteopt.cd.store import ManifestStore
from wasteopt.cli import main
from wasteopt.config.errors import DataError

SITES = """site_id,name,kind,lon,lat,adcode,licensed,volume_m3,capacity_tpd
Y1,中牟消纳场,yard,113.98,34.72,410122,true,500000,800
R1,再生利用厂,recycling,114.02,34.70,410122,true,,1200
X1,黑点,yard,114.10,34.80,410122,false,,
BAD,坏厂,dump,113.9,34.7,410122,true,,
"""

MANIFEST_HEADER = ("manifest_id,project_id,project_name,category,origin_lon,origin_lat,origin_adcode,truck_plate,"
                   "load_t,depart_time,destination_site_id,arrive_time\n")
MANIFESTS = MANIFEST_HEADER + """M1,P1,地铁站,工程渣土,113.95,34.75,410122,豫A00001,30,2024-05-01T08:00:00,Y1,2024-05-01T08:40:00
M2,P1,地铁站,spoil,113.95,34.75,410122,豫A00002,31.5,2024-05-01 09:00,Y1,
M3,P2,旧村改造,拆除垃圾,113.90,34.70,410122,豫A00003,25,2024-05-01T09:00:00+08:00,,
M4,P2,旧村改造,拆除垃圾,113.90,34.70,410122,豫A00003,25,2024-05-01T10:00:00
M5,P2,旧村改造,石头,113.90,34.70,410122,豫A00003,25,2024-05-01T10:00:00,,
M6,P2,旧村改造,拆除垃圾,213.90,34.70,410122,豫A00003,25,2024-05-01T10:00:00,,
M7,P2,旧村改造,拆除垃圾,113.90,34.70,4101,豫A00003,25,2024-05-01T10:00:00,,
M8,P2,旧村改造,拆除垃圾,113.90,34.70,410122,豫A00003,-2,2024-05-01T10:00:00,,
M9,P2,旧村改造,拆除垃圾,113.90,34.70,410122,豫A00003,25,yesterday,,
M10,P2,旧村改造,拆除垃圾,113.90,34.70,410122,,25,2024-05-01T10:00:00,,
M11,P2,旧村改造,拆除垃圾,113.90,34.70,410122,豫A00003,25,2024-05-01T10:00:00,Y1,2024-05-01T09:00:00
M1,P1,地铁站,工程渣土,113.95,34.75,410122,豫A00001,30,2024-05-01T08:00:00,Y1,2024-05-01T08:40:00
M12,P2,旧村改造,拆除垃圾,113.90,34.70,410122,豫A00003,25,2024-05-01T10:00:00,,2024-05-01T11:00:00
M13,P2,旧村改造,装修垃圾,113.90,34.70,410122,豫A00003,12.5,2024-05-01T12:00:00,X1,2024-05-01T13:00:00
"""
# line → the reason the row is rejected (line 1 is the header)
MANIFEST_REASONS = {
    5: "expected 12 fields, found 10",
    6: "unknown category",
    7: "origin_lon outside China (73 to 136°)",
    8: "origin_adcode is not a 6-digit adcode",
    9: "load_t must be > 0",
    10: "depart_time is not an ISO 8601 time",
    11: "truck_plate is empty",
    12: "arrive_time before depart_time",
    13: "manifest_id M1 repeats line 2",
    14: "arrive_time without destination_site_id",
}
GPS = """truck_plate,time,lon,lat
豫A00001,2024-05-01T08:00:00,113.95,34.75
豫A00001,2024-05-01T08:00:30,113.951,34.75
豫A00001,2024-05-01T08:01:00,113.952,nan
"""


@pytest.fixture(params=["duckdb", "postgresql"])
def store_location(request, tmp_path):
    if request.param == "duckdb":
        return str(tmp_path / "cd.duckdb")
    return request.getfixturevalue("postgres_server").new_database()


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_good_rows_load_and_every_bad_row_is_rejected_with_its_line_and_reason(tmp_path, store_location):
    with ManifestStore(store_location) as store:
        sites = store.load("sites", write(tmp_path, "sites.csv", SITES))
        manifests = store.load("manifests", write(tmp_path, "manifests.csv", MANIFESTS))
        gps = store.load("gps", write(tmp_path, "gps.csv", GPS))
        assert (sites.loaded, sites.rejected) == (3, 1)
        assert (manifests.loaded, manifests.rejected) == (4, 10)
        assert (gps.loaded, gps.rejected) == (2, 1)
        rejects = store.rejects([manifests])
        stored = store.query("SELECT manifest_id, load_t, depart_time, arrive_time, category FROM manifests "
                             "ORDER BY manifest_id")
        site_rows = store.query("SELECT site_id, licensed, volume_m3 FROM sites ORDER BY site_id")
        reject_sites = store.rejects([sites])
    assert dict(zip(rejects["line"], rejects["reason"])).keys() == MANIFEST_REASONS.keys()
    for line, reason in zip(rejects["line"], rejects["reason"]):
        assert reason.startswith(MANIFEST_REASONS[line]), (line, reason)
    assert reject_sites["reason"].tolist() == ["unknown kind (one of yard/recycling/landfill/backfill/sorting)"]
    assert stored["manifest_id"].tolist() == ["M1", "M13", "M2", "M3"]
    assert stored["category"].tolist() == ["spoil", "decoration", "spoil", "demolition"]
    assert stored["load_t"].tolist() == [30.0, 12.5, 31.5, 25.0]
    assert str(stored["depart_time"].iloc[3]) == "2024-05-01 09:00:00"  # +08:00 is local time already
    assert pd.isna(stored["arrive_time"].iloc[2])
    assert site_rows["licensed"].tolist() == [True, False, True]
    assert site_rows["volume_m3"].iloc[2] == 500000


def test_loading_the_same_file_twice_adds_nothing(tmp_path, store_location):
    manifests = write(tmp_path, "manifests.csv", MANIFESTS)
    gps = write(tmp_path, "gps.csv", GPS)
    with ManifestStore(store_location) as store:
        store.load("manifests", manifests), store.load("gps", gps)
        again = store.load("manifests", manifests), store.load("gps", gps)
        counts = store.counts()
        # another file holding manifests already stored adds nothing either
        copy = store.load("manifests", write(tmp_path, "copy.csv", MANIFESTS + "\n"))
        after = store.counts()
    assert [r.already_loaded for r in again] == [True, True]
    assert [r.loaded for r in again] == [0, 0]
    assert counts == {"sites": 0, "manifests": 4, "gps": 2, "trucks": 0}
    assert (copy.loaded, after) == (0, counts)


def test_a_load_killed_between_blocks_keeps_what_it_reported_and_resumes(tmp_path, store_location, monkeypatch):
    monkeypatch.setattr(formats, "BLOCK_BYTES", 4096)
    lines = [f"豫A{i % 7:05d},2024-05-01T{8 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d},113.9,34.7"
             for i in range(2000)]
    lines[1500] = "豫A00001,not a time,113.9,34.7"
    path = write(tmp_path, "gps.csv", "truck_plate,time,lon,lat\n" + "\n".join(lines) + "\n")
    reported = []

    def die_after_two(step):
        reported.append(step.loaded)
        if len(reported) == 2:
            raise KeyboardInterrupt

    with ManifestStore(store_location) as store:
        with pytest.raises(KeyboardInterrupt):
            store.load("gps", path, progress=die_after_two)
        stored_at_kill = store.counts()["gps"]
        resumed = store.load("gps", path)
        final = store.counts()["gps"]
        rejects = store.rejects([resumed])
    assert 0 < reported[-1] == stored_at_kill < 1999
    assert stored_at_kill + resumed.loaded == final == 1999
    assert rejects["line"].tolist() == [1502]


def test_gbk_and_xlsx_files_load_like_utf8(tmp_path):
    with ManifestStore(tmp_path / "cd.duckdb") as store:
        gbk = store.load("manifests", write(tmp_path, "gbk.csv", MANIFESTS, encoding="gbk"))
        names = store.query("SELECT DISTINCT project_name FROM manifests ORDER BY 1")["project_name"].tolist()
    table = pd.read_csv(write(tmp_path, "sites.csv", SITES), dtype=str)
    table.to_excel(tmp_path / "sites.xlsx", index=False)
    with ManifestStore(tmp_path / "x.duckdb") as store:
        xlsx = store.load("sites", tmp_path / "sites.xlsx")
        rejects = store.rejects([xlsx])
    assert (gbk.loaded, gbk.rejected) == (4, 10)
    assert names == ["地铁站", "旧村改造"]
    assert (xlsx.loaded, rejects["line"].tolist()) == (3, [5])


def test_a_file_missing_a_column_is_refused_in_one_line(tmp_path):
    path = write(tmp_path, "gps.csv", "truck_plate,time,lon\nA,2024-05-01T08:00:00,113\n")
    with ManifestStore(tmp_path / "cd.duckdb") as store, pytest.raises(DataError, match="missing column"):
        store.load("gps", path)


def test_cd_ingest_command_reports_rejects_and_writes_them(tmp_path, capsys):
    args = ["cd", "ingest", "--store", str(tmp_path / "cd.duckdb"), "--sites", str(write(tmp_path, "s.csv", SITES)),
            "--manifests", str(write(tmp_path, "m.csv", MANIFESTS)), "--rejects", str(tmp_path / "rejects")]
    assert main(args) == 0
    first = capsys.readouterr()
    assert main(args) == 0
    second = capsys.readouterr()
    rejects = pd.read_csv(tmp_path / "rejects" / "rejects.csv")
    assert "manifests" in first.out and "4 rows added, 10 rejected" in first.out
    assert f"{tmp_path / 'm.csv'}:6: unknown category" in first.err
    assert "loaded before in full" in second.out and "4 manifests" in second.out
    assert len(rejects) == 11 and set(rejects.columns) == {"file", "line", "reason", "text"}
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    assert main([*args[:-1], str(tmp_path / "mine")]) == 1  # a user's folder is never replaced


def test_a_manifest_id_repeated_blocks_later_is_rejected_with_its_first_line(tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "BLOCK_BYTES", 4096)
    row = "M{},P1,地铁站,spoil,113.95,34.75,410122,豫A00001,30,2024-05-01T08:00:00,Y1,2024-05-01T08:40:00"
    lines = [row.format(i) for i in range(400)] + [row.format(7), row.format(399), row.format(400), row.format(7)]
    path = write(tmp_path, "m.csv", MANIFEST_HEADER + "\n".join(lines) + "\n")
    with ManifestStore(tmp_path / "cd.duckdb") as store:
        result = store.load("manifests", path)
        rejects = store.rejects([result])
    assert (result.loaded, result.rejected) == (401, 3)
    assert rejects["reason"].tolist() == ["manifest_id M7 repeats line 9", "manifest_id M399 repeats line 401",
                                          "manifest_id M7 repeats line 9"]
    assert rejects["line"].tolist() == [402, 403, 405]


def test_a_large_file_is_read_a_block_at_a_time_not_held_in_memory(tmp_path, monkeypatch):
    import pyarrow as pa

    monkeypatch.setattr(formats, "BLOCK_BYTES", 16 << 10)
    monkeypatch.setattr(formats, "READ_BYTES", 2 << 10)
    lines = [f"豫A{i % 7:05d},2024-05-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d},113.9,34.7"
             for i in range(20_000)]
    path = write(tmp_path, "gps.csv", "truck_plate,time,lon,lat\n" + "\n".join(lines) + "\n")
    before = pa.total_allocated_bytes()
    blocks = formats.read_blocks(path, formats.GPS)
    first = next(blocks)
    held = pa.total_allocated_bytes() - before  # Arrow's buffers: the file read so far and not yet handed out
    sizes = [len(first.rows)] + [len(block.rows) for block in blocks]
    assert path.stat().st_size > 800_000 and held < 200_000
    assert sum(sizes) == 20_000 and max(sizes) < 1_000  # a block is about 16 kB of text, ≈ 41 bytes a line


def test_rows_without_nulls_go_to_postgresql_in_binary_and_come_back_the_same(postgres_server):
    from wasteopt.cd.store import binary_copy

    rows = pd.DataFrame({"plate": pd.array(["豫A00001", "B2", "豫A00001", "Ü"], dtype="string[pyarrow]"),
                         "time": pd.to_datetime(["2024-05-01 08:00:00", "1999-12-31 23:59:59.5", "2024-05-01 08:00:30",
                                                 "2030-01-01"], format="ISO8601").astype("datetime64[us]"),
                         "lon": [113.95, -0.5, 113.951, 1e-7], "n": [1, -2, 3, 2**40], "ok": [True, False, True, False]})
    with ManifestStore(postgres_server.new_database()) as store, store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE t (plate VARCHAR, time TIMESTAMP, lon DOUBLE PRECISION, n BIGINT, ok BOOLEAN)")
        store._copy(conn, "t", rows)
        back = pd.DataFrame(conn.exec_driver_sql("SELECT * FROM t").fetchall(), columns=list(rows.columns))
    assert binary_copy(rows) is not None and binary_copy(rows.assign(lon=[1.0, None, 2.0, 3.0])) is None
    assert sorted(map(tuple, back.astype(object).to_numpy())) == sorted(map(tuple, rows.astype(object).to_numpy()))


def test_postgresql_time_index_is_summarised_after_a_load(tmp_path, postgres_server):
    lines = [f"豫A{i % 7:05d},2024-05-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d},113.9,34.7"
             for i in range(20_000)]  # ≈ 150 pages of 8 kB: several ranges of 32 pages
    with ManifestStore(postgres_server.new_database()) as store:
        store.load("gps", write(tmp_path, "gps.csv", "truck_plate,time,lon,lat\n" + "\n".join(lines) + "\n"))
        left = store.query("SELECT brin_summarize_new_values('gps_time_brin') AS n")["n"].iloc[0]
    assert left == 0  # a range left unsummarised would match every query, a month read as the whole table
