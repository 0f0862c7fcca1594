/*
 * hdfs.h — private to source/: the hdfs:// source's listing and opening against an already resolved NameNode, so
 * that emr.c (a catalogued cluster) reads through the same code. Units are named label + path
 * ("hdfs://nn:9870/data/part-0000", "emr://j-1/data/part-0000").
 */
#ifndef HD_SOURCE_HDFS_H
#define HD_SOURCE_HDFS_H

#include "source/source.h"
#include "source/webhdfs.h"

/* Redshift's rules over HDFS: path with wildcards (Hadoop's glob: * ? [..] [^..] \c {a,b}) matched one component at
 * a time; without them a prefix. Hidden names (_x, .x) as in file.c. HD_ERR_NOTFOUND naming the URL on no match. */
hd_code hd_hdfs_list_at(const hd_webhdfs *w, const char *path, hd_units *out, hd_err *err);
/* A stream over the unit's byte range. */
hd_code hd_hdfs_open_at(const hd_webhdfs *w, const hd_unit *unit, hd_stream **out, hd_err *err);

/* fs.defaultFS of $HADOOP_CONF_DIR (else /etc/hadoop/conf) as a WebHDFS address "host:port" (malloc'd): the host
 * of fs.defaultFS, the port of dfs.namenode.http-address in hdfs-site.xml when set, else 9870 (a webhdfs://
 * defaultFS gives its own port). */
hd_code hd_hdfs_default_namenode(char **nn, hd_err *err);

#endif
