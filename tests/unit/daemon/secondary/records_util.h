// Records for the tests, from presentation text through ldns.
#pragma once

#include "daemon/secondary/records.h"

#include <string>
#include <vector>

namespace xdpdns::secondary::test {

Record rr(const std::string &text);
std::vector<Record> rrs(std::initializer_list<const char *> texts);

}  // namespace xdpdns::secondary::test
