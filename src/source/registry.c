/*
 * registry.c — which ops table reads which kind of FROM. Only local files exist so far.
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
		hd_err_set(err, HD_ERR_UNSUPPORTED, "loading from emr:// is not supported yet");
		return NULL;
	case HD_SRC_HDFS:
		hd_err_set(err, HD_ERR_UNSUPPORTED, "loading from hdfs:// is not supported yet");
		return NULL;
	case HD_SRC_SSH:
		hd_err_set(err, HD_ERR_UNSUPPORTED, "loading through an SSH manifest is not supported yet");
		return NULL;
	}
	hd_err_set(err, HD_ERR_UNSUPPORTED, "this source is not supported yet");
	return NULL;
}
