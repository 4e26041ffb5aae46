// The metrics endpoint: GET /metrics over HTTP/1.1 (cpp-httplib) from a
// thread of its own. The page is made on each scrape by a callback that only
// reads counters (the workers never wait for it).
#pragma once

#include "common/result.h"

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace xdpdns::daemon::metrics {

class HttpServer {
public:
	using Render = std::function<std::string()>;

	// Binds `listen` ("ADDR:PORT", "[ADDR6]:PORT"; validated by the config
	// layer) and starts serving. The error names the address and the cause
	// ("metrics 127.0.0.1:9153: cannot listen: Address already in use").
	static Result<std::unique_ptr<HttpServer>> start(const std::string &listen, Render render);
	~HttpServer();  // stops the thread
	HttpServer(const HttpServer &) = delete;
	HttpServer &operator=(const HttpServer &) = delete;

private:
	HttpServer() = default;
	std::unique_ptr<httplib::Server> server_;
	Render render_;
	std::thread thread_;
};

}  // namespace xdpdns::daemon::metrics
