#include "result.h"

#include <cstring>

namespace xdpdns {

Error sys_error(int err, std::string what)
{
	if (err < 0)
		err = -err;
	what += ": ";
	what += std::strerror(err);
	return Error{err, std::move(what)};
}

}  // namespace xdpdns
