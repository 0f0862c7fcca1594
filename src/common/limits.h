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
/* HDFS over WebHDFS (source/webhdfs.c, hdfs.c, cluster.c) */
#define HD_MAX_WEBHDFS_ANSWER  (16u << 20) /* one JSON answer of the NameNode (a LISTSTATUS_BATCH page, JMX) */
#define HD_MAX_WEBHDFS_TOKENS  (1u << 20)  /* JSON values in one answer */
#define HD_WEBHDFS_STREAM_BUF  (1u << 20)  /* the buffer between curl and a reader, per open HDFS stream */
#define HD_WEBHDFS_REOPENS     4           /* re-OPENs of one stream on another replica after DataNode failures */
#define HD_WEBHDFS_RETRIES     5           /* tries of a NameNode call answered RetriableException */
#define HD_MAX_DATANODES       100000      /* live DataNodes read from JMX */
#define HD_MAX_GLOB_ALTERNATIVES 1024      /* patterns one {a,b} path expands to */
#define HD_MAX_CLUSTER_FILE    (64u << 10) /* one $HDCOPY_HOME/clusters/<ID> entry; a delegation token file */
#define HD_MAX_HADOOP_CONF     (4u << 20)  /* core-site.xml / hdfs-site.xml read for fs.defaultFS */
/* SSH manifests (source/manifest.c, source/ssh.c) */
#define HD_MAX_MANIFEST    (1u << 20)   /* an SSH manifest file */
#define HD_MAX_MANIFEST_ENTRIES 10000   /* entries of one manifest */
#define HD_MAX_SSH_COMMAND (64u << 10)  /* one entry's command */
#define HD_MAX_SSH_FIELD   (16u << 10)  /* one entry's endpoint, username or publickey */
#define HD_MAX_SSH_STDERR  2048         /* a command's stderr kept for the error message (the rest is counted) */
#define HD_MAX_PROFILE     (16u << 10)  /* a credential profile file in $HDCOPY_HOME/profiles */

#endif
