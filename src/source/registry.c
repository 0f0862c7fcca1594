/*
 * registry.c — which ops table reads which kind of FROM: local files, SSH manifests, hdfs:// and emr://.
 */
#include "source/source.h"

#include <stddef.h>

const hd_source_ops *
hd_source_for(const hd_copy_spec *spec, hd_err *err)
{
	switch (spec->src_kind) {
	case HD_SRC_LOCAL:
		return &hd_source_file;
	case HD_SRC_EMR:
		return &hd_source_emr; /* emr.c: a catalogued cluster, read over WebHDFS (issue 7) */
	case HD_SRC_HDFS:
		return &hd_source_hdfs; /* hdfs.c: WebHDFS (issue 7) */
	case HD_SRC_SSH:
		return &hd_source_ssh; /* ssh.c (issue 6) */
	}
	hd_err_set(err, HD_ERR_UNSUPPORTED, "this source is not supported yet");
	return NULL;
}
