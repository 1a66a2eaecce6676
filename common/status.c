#include "common/status.h"

const char *cb_status_message(int status)
{
	switch (status) {
#define X(name, value, message)                                                                                        \
	case value: return message;
		CB_STATUSES(X)
#undef X
	}
	return "unknown status";
}
