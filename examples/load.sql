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
    saletime date,
    qty      smallint,
    price    numeric(8,2)
);

-- Redshift's default format: '|'-delimited text, \N for NULL; a record may end in the delimiter.
COPY venue FROM 'data/venue.txt';

-- The check query.
SELECT venuestate, count(*) AS venues, sum(venueseats) AS seats
FROM venue GROUP BY venuestate ORDER BY venuestate;
