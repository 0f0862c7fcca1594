#!/usr/bin/env python3
"""Write a TPC-H-lineitem-shaped '|'-delimited file: 16 columns, deterministic pseudo-random values.

usage: lineitem.py ROWS PATH [--trailing]   (--trailing: end every row with '|', as dbgen's .tbl files do)
"""
import random
import sys
from datetime import date, timedelta

FLAGS = "RAN"
STATUS = "OF"
INSTRUCT = ["DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"]
MODES = ["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"]
WORDS = ("furiously regular accounts sleep quickly carefully final deposits ironic packages "
         "blithely express requests haggle slyly pending instructions bold").split()
BASE = date(1992, 1, 1)

DDL = """CREATE TABLE lineitem (
    l_orderkey bigint NOT NULL, l_partkey bigint NOT NULL, l_suppkey bigint NOT NULL, l_linenumber integer NOT NULL,
    l_quantity numeric(15,2) NOT NULL, l_extendedprice numeric(15,2) NOT NULL, l_discount numeric(15,2) NOT NULL,
    l_tax numeric(15,2) NOT NULL, l_returnflag char(1) NOT NULL, l_linestatus char(1) NOT NULL,
    l_shipdate date NOT NULL, l_commitdate date NOT NULL, l_receiptdate date NOT NULL,
    l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL, l_comment varchar(44) NOT NULL)"""


def main():
    rows = int(sys.argv[1])
    path = sys.argv[2]
    trailing = "|" if "--trailing" in sys.argv else ""
    rng = random.Random(1)
    dates = [(BASE + timedelta(days=d)).isoformat() for d in range(2600)]
    comments = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))[:44] for _ in range(4096)]
    with open(path, "w", buffering=1 << 20) as f:
        out = []
        for i in range(rows):
            ok = i // 4 + 1
            d = rng.randrange(2400)
            q = rng.randint(1, 50)
            out.append(f"{ok}|{rng.randrange(1, 200000)}|{rng.randrange(1, 10000)}|{i % 7 + 1}|{q}.00|"
                       f"{q * rng.randint(900, 2000)}.{rng.randrange(100):02d}|0.0{rng.randrange(10)}|"
                       f"0.0{rng.randrange(9)}|{FLAGS[i % 3]}|{STATUS[i % 2]}|{dates[d]}|{dates[d + 30]}|"
                       f"{dates[d + 60]}|{INSTRUCT[i % 4]}|{MODES[i % 7]}|{comments[i % 4096]}{trailing}\n")
            if len(out) == 10000:
                f.writelines(out)
                out.clear()
        f.writelines(out)


if __name__ == "__main__":
    main()
