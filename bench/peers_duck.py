#!/usr/bin/env python3
"""DuckDB side of bench/peers.py. Runs under bench/.venv's Python (duckdb, duckdb-extension-tpch,
duckdb-extension-postgres-scanner from PyPI); peers.py starts it as a child so that its wall time and peak RSS are
measured like every other client's.

usage:
  peers_duck.py gen SF OUTDIR TABLE...        generate TPC-H tables with DuckDB's tpch extension (dbgen), write
                                              OUTDIR/T.tbl (dbgen's format: '|' after every field, the last too)
                                              and OUTDIR/T.nt.tbl (the same without the trailing '|'); prints JSON
                                              {table: rows}
  peers_duck.py topg CONNINFO TABLE FILE      read_csv(FILE) -> INSERT INTO the attached PostgreSQL table; prints rows
  peers_duck.py local TABLE FILE              read_csv(FILE) -> CREATE TABLE in an in-memory DuckDB; prints rows
"""
import glob
import json
import os
import sys

import duckdb

# DuckDB types for read_csv, matching the PostgreSQL DDL in peers.py.
COLUMNS = {
    "lineitem": [
        ("l_orderkey", "BIGINT"), ("l_partkey", "BIGINT"), ("l_suppkey", "BIGINT"), ("l_linenumber", "INTEGER"),
        ("l_quantity", "DECIMAL(15,2)"), ("l_extendedprice", "DECIMAL(15,2)"), ("l_discount", "DECIMAL(15,2)"),
        ("l_tax", "DECIMAL(15,2)"), ("l_returnflag", "VARCHAR"), ("l_linestatus", "VARCHAR"),
        ("l_shipdate", "DATE"), ("l_commitdate", "DATE"), ("l_receiptdate", "DATE"),
        ("l_shipinstruct", "VARCHAR"), ("l_shipmode", "VARCHAR"), ("l_comment", "VARCHAR"),
    ],
    "orders": [
        ("o_orderkey", "BIGINT"), ("o_custkey", "BIGINT"), ("o_orderstatus", "VARCHAR"),
        ("o_totalprice", "DECIMAL(15,2)"), ("o_orderdate", "DATE"), ("o_orderpriority", "VARCHAR"),
        ("o_clerk", "VARCHAR"), ("o_shippriority", "INTEGER"), ("o_comment", "VARCHAR"),
    ],
}


def ext(name):
    """Path of an extension shipped in a PyPI package (duckdb_extension_<name>)."""
    mod = __import__(f"duckdb_extension_{name}")
    hits = glob.glob(os.path.join(os.path.dirname(mod.__file__), "**", "*.duckdb_extension"), recursive=True)
    if not hits:
        raise SystemExit(f"no .duckdb_extension file in the duckdb-extension-{name} package")
    return hits[0]


def read_csv(table, path):
    cols = ", ".join(f"'{c}': '{t}'" for c, t in COLUMNS[table])
    # The files have no quoting and no header; quote='' / escape='' keep DuckDB from looking for quotes.
    return (f"read_csv('{path}', delim='|', header=false, quote='', escape='', auto_detect=false, "
            f"columns={{{cols}}})")


def gen(sf, outdir, tables):
    con = duckdb.connect()
    con.execute(f"LOAD '{ext('tpch')}'")
    con.execute(f"CALL dbgen(sf={sf})")
    counts = {}
    for t in tables:
        cols = [c for c, _ in COLUMNS[t]]
        nt = os.path.join(outdir, f"{t}.nt.tbl")
        tr = os.path.join(outdir, f"{t}.tbl")
        # One text column per row, written with no quoting: exactly the row dbgen prints.
        line = "concat_ws('|', " + ", ".join(cols) + ")"
        opts = "(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t')"
        con.execute(f"COPY (SELECT {line} || '|' FROM {t}) TO '{tr}.part' {opts}")
        con.execute(f"COPY (SELECT {line} FROM {t}) TO '{nt}.part' {opts}")
        os.replace(tr + ".part", tr)
        os.replace(nt + ".part", nt)
        counts[t] = con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
    print(json.dumps(counts))


def topg(conninfo, table, path):
    con = duckdb.connect()
    con.execute(f"LOAD '{ext('postgres_scanner')}'")
    con.execute(f"ATTACH '{conninfo}' AS pg (TYPE postgres)")
    n = con.execute(f"INSERT INTO pg.public.{table} SELECT * FROM {read_csv(table, path)}").fetchone()[0]
    print(n)


def local(table, path):
    con = duckdb.connect()  # in memory
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM {read_csv(table, path)}")
    print(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def main():
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "topg":
        topg(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "local":
        local(sys.argv[2], sys.argv[3])
    elif cmd == "version":
        print(duckdb.__version__)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
