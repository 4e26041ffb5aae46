// Reading the pinned LPM-trie prefix lists (ATR allow-list, RRL exempt
// list): every prefix, and whether there is any. `path` names the map in
// errors.
#ifndef XDPDNS_COMMON_LPM_LIST_H
#define XDPDNS_COMMON_LPM_LIST_H

#include "address.h"
#include "result.h"

#include <string>
#include <vector>

namespace xdpdns {

Result<std::vector<Prefix>> lpm_prefixes(int map_fd, const std::string &path);
Result<bool> lpm_any(int map_fd, const std::string &path);

}  // namespace xdpdns

#endif
