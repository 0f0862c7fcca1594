/*
 * limits.h — every growable buffer's cap, in one place.
 *
 * Buffers are fixed per slice and sized from these, so input size never changes peak memory.
 */
#ifndef HD_COMMON_LIMITS_H
#define HD_COMMON_LIMITS_H

#define HD_MAX_RECORD      (4u << 20)   /* Redshift's maximum row size: 4 MB */
#define HD_READ_CHUNK      (1u << 20)   /* bytes asked of a source per read */
#define HD_MAX_FIELDS      1600         /* PostgreSQL's MaxHeapAttributeNumber */
#define HD_MAX_STATEMENT   (1u << 20)   /* one COPY statement's text */
#define HD_MAX_SCRIPT      (64u << 20)  /* a -f script */
#define HD_MAX_FILES       1000000      /* files one COPY may match */
#define HD_MAX_IDENT       63           /* PostgreSQL's NAMEDATALEN - 1 (bytes) */
#define HD_RAW_LINE_MAX    1024         /* stl_load_errors.raw_line (Redshift: char(1024)) */
#define HD_RAW_FIELD_MAX   1024         /* stl_load_errors.raw_field_value (Redshift: char(1024)) */
#define HD_ERR_REASON_MAX  100          /* stl_load_errors.err_reason (Redshift: char(100)) */
#define HD_SINK_BUF        (256u << 10) /* encoded rows buffered before one write to the target */
#define HD_MAXERROR_MAX    100000       /* Redshift's cap on MAXERROR */
#define HD_MAX_JSON_DEPTH  512          /* nesting of one JSON record (format/json.c); deeper is a bad record */
#define HD_MAX_JSONPATHS   (1u << 20)   /* a jsonpaths file */

#endif
