#include "daemon/metrics/http_server.h"

#include "common/endpoint.h"
#include "daemon/metrics/exposition.h"

#include <httplib.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>

namespace xdpdns::daemon::metrics {

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string &listen, Render render)
{
	auto ep = parse_endpoint(listen);
	if (!ep)
		return Error{ep.error().err, "metrics " + listen + ": " + ep.error().message};
	char host[INET6_ADDRSTRLEN] = {};
	if (ep->family() == AF_INET6)
		inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(ep->sa())->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(ep->sa())->sin_addr, host, sizeof(host));

	std::unique_ptr<HttpServer> s(new HttpServer());
	s->render_ = std::move(render);
	s->server_ = std::make_unique<httplib::Server>();
	// One request at a time is plenty for a scraper or two; the default
	// pool would start a thread per core.
	s->server_->new_task_queue = [] { return new httplib::ThreadPool(1); };
	s->server_->set_keep_alive_max_count(1);
	HttpServer *self = s.get();
	s->server_->Get("/metrics", [self](const httplib::Request &, httplib::Response &res) {
		res.set_content(self->render_(), kContentType);
	});
	errno = 0;
	// httplib binds with getaddrinfo + bind and leaves bind()'s errno.
	if (!s->server_->bind_to_port(host, ep->port())) {
		const int err = errno ? errno : EADDRNOTAVAIL;
		return Error{err, "metrics " + listen + ": cannot listen: " + std::strerror(err)};
	}
	s->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
	return s;
}

HttpServer::~HttpServer()
{
	if (server_)
		server_->stop();
	if (thread_.joinable())
		thread_.join();
}

}  // namespace xdpdns::daemon::metrics
