#include "daemon/dnstap/writer.h"

#include <fstrm.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace xdpdns::daemon::dnstap {
namespace {

// fstrm's option objects, freed on every path.
struct Options {
	fstrm_writer_options *writer = fstrm_writer_options_init();
	fstrm_unix_writer_options *unix_writer = fstrm_unix_writer_options_init();
	fstrm_file_options *file = fstrm_file_options_init();
	fstrm_iothr_options *iothr = fstrm_iothr_options_init();
	~Options()
	{
		fstrm_writer_options_destroy(&writer);
		fstrm_unix_writer_options_destroy(&unix_writer);
		fstrm_file_options_destroy(&file);
		fstrm_iothr_options_destroy(&iothr);
	}
};

}  // namespace

Result<std::unique_ptr<Writer>> Writer::open(const WriterOptions &opt)
{
	const std::string where = opt.socket_path.empty() ? "dnstap file " + opt.file_path : "dnstap socket " + opt.socket_path;
	Options o;
	fstrm_writer_options_add_content_type(o.writer, kContentType.data(), kContentType.size());
	fstrm_writer *w = nullptr;
	if (!opt.socket_path.empty()) {
		fstrm_unix_writer_options_set_socket_path(o.unix_writer, opt.socket_path.c_str());
		w = fstrm_unix_writer_init(o.unix_writer, o.writer);
	} else {
		// fstrm opens the file itself; check here that it can, to fail
		// at start with the cause rather than log nothing.
		const int fd = ::open(opt.file_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		if (fd < 0)
			return Error{errno, where + ": " + std::strerror(errno)};
		::close(fd);
		fstrm_file_options_set_file_path(o.file, opt.file_path.c_str());
		w = fstrm_file_writer_init(o.file, o.writer);
	}
	if (!w)
		return Error{EINVAL, where + ": cannot make an fstrm writer"};
	fstrm_iothr_options_set_num_input_queues(o.iothr, opt.queues);
	fstrm_iothr_options_set_input_queue_size(o.iothr, opt.queue_size);
	fstrm_iothr_options_set_queue_model(o.iothr, FSTRM_IOTHR_QUEUE_MODEL_SPSC);
	fstrm_iothr_options_set_reopen_interval(o.iothr, 1);  // reconnect to a reader within a second
	fstrm_iothr_options_set_flush_timeout(o.iothr, 1);
	std::unique_ptr<Writer> out(new Writer());
	out->iothr_ = fstrm_iothr_init(o.iothr, &w);
	if (!out->iothr_) {
		fstrm_writer_destroy(&w);
		return Error{EINVAL, where + ": cannot start the fstrm I/O thread"};
	}
	out->queues_ = opt.queues;
	out->queue_ = std::make_unique<fstrm_iothr_queue *[]>(opt.queues);
	for (unsigned i = 0; i < opt.queues; i++)
		out->queue_[i] = fstrm_iothr_get_input_queue_idx(out->iothr_, i);
	out->identity_ = opt.identity;
	out->version_ = opt.version;
	return out;
}

Writer::~Writer()
{
	if (iothr_)
		fstrm_iothr_destroy(&iothr_);
}

bool Writer::submit(unsigned queue, const TapEvent &e)
{
	if (queue >= queues_ || !queue_[queue])
		return false;
	const Identity id{identity_, version_};
	const std::size_t n = encoded_size(e, id);
	auto *buf = static_cast<std::uint8_t *>(std::malloc(n));
	if (!buf)
		return false;
	if (encode(e, id, {buf, n}) != n ||
	    fstrm_iothr_submit(iothr_, queue_[queue], buf, n, fstrm_free_wrapper, nullptr) != fstrm_res_success) {
		std::free(buf);
		return false;
	}
	return true;
}

}  // namespace xdpdns::daemon::dnstap
