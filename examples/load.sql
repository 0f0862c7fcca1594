-- hdcopy's demo: a Redshift load script, run as is into the embedded default target (sqlite:hdcopy.db).
-- scripts/demo.sh runs it from this directory: hdcopy -f load.sql

CREATE TABLE venue (
    venueid    smallint NOT NULL,
    venuename  varchar(100),
    venuecity  varchar(30),
    venuestate char(2),
    venueseats integer
);

CREATE TABLE sales (
    salesid  integer NOT NULL,
    venueid  smallint,
    saledate date,
    qty      smallint,
    price    numeric(8,2)
);

-- Redshift's default format: '|'-delimited text, \N for NULL; a record may end in the delimiter.
COPY venue FROM 'data/venue.txt';

-- CSV with a header line, quoted fields, an embedded comma.
COPY venue FROM 'data/venue.csv' CSV IGNOREHEADER 1;

-- Fixed-width columns (widths in characters); the padding trimmed.
COPY venue FROM 'data/venue_fw.txt' FIXEDWIDTH 'id:3,name:25,city:12,state:2,seats:6' TRIMBLANKS;

-- JSON objects, keys matched to column names.
COPY venue FROM 'data/venue.json' JSON 'auto';

-- A gzip-compressed file, '|'-delimited.
COPY sales FROM 'data/sales.txt.gz' GZIP;

-- The check query: every venue, and what each sold.
SELECT v.venueid, v.venuename, v.venuecity, v.venuestate, v.venueseats,
       count(s.salesid) AS sales, coalesce(sum(s.qty * s.price), 0) AS revenue
FROM venue v LEFT JOIN sales s ON s.venueid = v.venueid
GROUP BY v.venueid, v.venuename, v.venuecity, v.venuestate, v.venueseats
ORDER BY v.venueid;
