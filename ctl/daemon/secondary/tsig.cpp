#include "daemon/secondary/tsig.h"

#include "daemon/secondary/wire_walk.h"
#include "dns/wire.h"
#include "dns/zone.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cerrno>

namespace xdpdns::secondary {

namespace {

const EVP_MD *digest_of(std::span<const std::uint8_t> algorithm_wire)
{
	const std::string text = dns::name_to_text(algorithm_wire);
	if (text == "hmac-sha256.")
		return EVP_sha256();
	if (text == "hmac-sha512.")
		return EVP_sha512();
	if (text == "hmac-sha384.")
		return EVP_sha384();
	if (text == "hmac-sha1.")
		return EVP_sha1();
	return nullptr;
}

void put16(std::vector<std::uint8_t> &v, std::uint16_t x)
{
	v.push_back(static_cast<std::uint8_t>(x >> 8));
	v.push_back(static_cast<std::uint8_t>(x));
}

void put48(std::vector<std::uint8_t> &v, std::uint64_t x)
{
	for (int s = 40; s >= 0; s -= 8)
		v.push_back(static_cast<std::uint8_t>(x >> s));
}

void append(std::vector<std::uint8_t> &v, std::span<const std::uint8_t> s)
{
	v.insert(v.end(), s.begin(), s.end());
}

std::vector<std::uint8_t> hmac(const TsigKey &key, std::span<const std::uint8_t> data)
{
	std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
	unsigned int len = 0;
	if (!HMAC(digest_of(key.algorithm_wire), key.secret.data(), static_cast<int>(key.secret.size()), data.data(),
		  data.size(), out.data(), &len))
		return {};
	out.resize(len);
	return out;
}

// The message as it was before the TSIG RR was added: ARCOUNT one less,
// the original ID in the header.
void append_unsigned_part(std::vector<std::uint8_t> &d, std::span<const std::uint8_t> msg, const TsigRecord &t)
{
	const std::size_t at = d.size();
	append(d, msg.first(t.offset));
	dns::store_be16(d.data() + at + dns::hdr::id, t.original_id);
	dns::store_be16(d.data() + at + dns::hdr::arcount,
			static_cast<std::uint16_t>(dns::load_be16(msg.data() + dns::hdr::arcount) - 1));
}

// TSIG variables (RFC 8945 4.3.3): full for a request and the first
// response, timers only for the later messages of a stream.
void append_variables(std::vector<std::uint8_t> &d, const TsigKey &key, std::uint64_t time, std::uint16_t fudge,
		      std::uint16_t error, std::span<const std::uint8_t> other, bool timers_only)
{
	if (!timers_only) {
		append(d, key.wire);
		put16(d, dns::rrclass::any);
		put16(d, 0);
		put16(d, 0);  // TTL 0
		append(d, key.algorithm_wire);
	}
	put48(d, time);
	put16(d, fudge);
	if (!timers_only) {
		put16(d, error);
		put16(d, static_cast<std::uint16_t>(other.size()));
		append(d, other);
	}
}

void append_mac(std::vector<std::uint8_t> &d, std::span<const std::uint8_t> mac)
{
	put16(d, static_cast<std::uint16_t>(mac.size()));
	append(d, mac);
}

std::string error_name(std::uint16_t e)
{
	switch (e) {
	case tsig_error::badsig: return "BADSIG";
	case tsig_error::badkey: return "BADKEY";
	case tsig_error::badtime: return "BADTIME";
	default: return "error " + std::to_string(e);
	}
}

// The checks common to requests and responses; `digest` is what the MAC covers.
Result<void> check(const TsigRecord &t, const TsigKey &key, std::span<const std::uint8_t> digest, std::uint64_t now_s)
{
	if (t.key != key.wire)
		return Error{EACCES, "TSIG key " + dns::name_to_text(t.key) + " is not the expected " + key.name};
	if (t.algorithm != key.algorithm_wire)
		return Error{EACCES, "TSIG algorithm " + dns::name_to_text(t.algorithm) + " is not " + key.algorithm};
	if (t.error != 0)
		return Error{EACCES, "TSIG " + error_name(t.error) + " from the other side (key " + key.name + ")"};
	const std::vector<std::uint8_t> want = hmac(key, digest);
	if (want.empty() || t.mac.size() != want.size() || CRYPTO_memcmp(t.mac.data(), want.data(), want.size()) != 0)
		return Error{EACCES, "TSIG MAC does not verify with key " + key.name};
	const std::uint64_t skew = now_s > t.time_signed ? now_s - t.time_signed : t.time_signed - now_s;
	if (skew > t.fudge)
		return Error{EACCES, "TSIG time is " + std::to_string(skew) + " s off (fudge " + std::to_string(t.fudge) + " s)"};
	return {};
}

}  // namespace

Result<TsigKey> make_tsig_key(const std::string &name, const std::string &algorithm, const std::string &secret_b64)
{
	TsigKey k;
	k.name = name.empty() || name.back() == '.' ? name : name + ".";
	k.wire = dns::name_from_text(name);
	if (name.empty() || k.wire.empty())
		return Error{EINVAL, "TSIG key '" + name + "': not a valid domain name"};
	k.algorithm = algorithm;
	if (!k.algorithm.empty() && k.algorithm.back() == '.')
		k.algorithm.pop_back();
	std::transform(k.algorithm.begin(), k.algorithm.end(), k.algorithm.begin(), ::tolower);
	k.algorithm_wire = dns::name_from_text(k.algorithm);
	if (k.algorithm_wire.empty() || !digest_of(k.algorithm_wire))
		return Error{EINVAL, "TSIG key " + k.name + ": algorithm '" + algorithm +
					     "' is not one of hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha1"};
	std::string b64;
	for (char c : secret_b64)
		if (c != ' ' && c != '\t' && c != '\n')
			b64 += c;
	if (b64.empty() || b64.size() % 4 != 0)
		return Error{EINVAL, "TSIG key " + k.name + ": secret is not base64 (length " + std::to_string(b64.size()) + ")"};
	k.secret.resize(b64.size() / 4 * 3);
	const int n = EVP_DecodeBlock(k.secret.data(), reinterpret_cast<const unsigned char *>(b64.data()),
				      static_cast<int>(b64.size()));
	if (n < 0)
		return Error{EINVAL, "TSIG key " + k.name + ": secret is not base64"};
	std::size_t len = static_cast<std::size_t>(n);
	for (std::size_t i = b64.size(); i > 0 && b64[i - 1] == '='; i--)
		len--;
	k.secret.resize(len);
	if (k.secret.empty())
		return Error{EINVAL, "TSIG key " + k.name + ": empty secret"};
	return k;
}

Result<std::optional<TsigRecord>> find_tsig(std::span<const std::uint8_t> msg)
{
	const auto offs = rr_offsets(msg);
	if (!offs)
		return Error{EBADMSG, "message does not parse (its records run past its end)"};
	const std::size_t ar = dns::load_be16(msg.data() + dns::hdr::arcount);
	std::optional<TsigRecord> found;
	for (std::size_t i = 0; i < offs->size(); i++) {
		std::size_t pos = (*offs)[i];
		std::vector<std::uint8_t> owner;
		if (!read_name(msg, pos, &owner))
			return Error{EBADMSG, "message does not parse (its records run past its end)"};
		if (dns::load_be16(msg.data() + pos) != dns::rrtype::tsig)
			continue;
		if (i + 1 != offs->size() || ar == 0)
			return Error{EBADMSG, "TSIG record is not the last of the message"};
		TsigRecord t;
		t.offset = (*offs)[i];
		t.key = std::move(owner);
		const std::size_t rdlen = dns::load_be16(msg.data() + pos + 8);
		std::size_t p = pos + 10;
		const std::size_t end = p + rdlen;
		auto rd = msg.first(end);
		if (!read_name(rd, p, &t.algorithm) || p + 10 > end)
			return Error{EBADMSG, "malformed TSIG record"};
		for (int k = 0; k < 6; k++)
			t.time_signed = (t.time_signed << 8) | rd[p + k];
		t.fudge = dns::load_be16(rd.data() + p + 6);
		const std::size_t mac_len = dns::load_be16(rd.data() + p + 8);
		p += 10;
		if (p + mac_len + 6 > end)
			return Error{EBADMSG, "malformed TSIG record"};
		t.mac.assign(rd.begin() + p, rd.begin() + p + mac_len);
		p += mac_len;
		t.original_id = dns::load_be16(rd.data() + p);
		t.error = dns::load_be16(rd.data() + p + 2);
		const std::size_t other_len = dns::load_be16(rd.data() + p + 4);
		p += 6;
		if (p + other_len != end)
			return Error{EBADMSG, "malformed TSIG record"};
		t.other.assign(rd.begin() + p, rd.begin() + end);
		found = std::move(t);
	}
	return found;
}

std::vector<std::uint8_t> tsig_sign(std::vector<std::uint8_t> &msg, const TsigKey &key,
				    std::span<const std::uint8_t> request_mac, std::uint64_t now_s, std::uint16_t error)
{
	std::vector<std::uint8_t> d;
	if (!request_mac.empty())
		append_mac(d, request_mac);
	append(d, msg);
	append_variables(d, key, now_s, tsig_fudge, error, {}, false);
	const std::vector<std::uint8_t> mac = error == tsig_error::badsig || error == tsig_error::badkey
						      ? std::vector<std::uint8_t>{}
						      : hmac(key, d);

	const std::uint16_t id = dns::load_be16(msg.data() + dns::hdr::id);
	append(msg, key.wire);
	put16(msg, dns::rrtype::tsig);
	put16(msg, dns::rrclass::any);
	put16(msg, 0);
	put16(msg, 0);
	std::vector<std::uint8_t> rdata;
	append(rdata, key.algorithm_wire);
	put48(rdata, now_s);
	put16(rdata, tsig_fudge);
	append_mac(rdata, mac);
	put16(rdata, id);
	put16(rdata, error);
	put16(rdata, 0);
	put16(msg, static_cast<std::uint16_t>(rdata.size()));
	append(msg, rdata);
	dns::store_be16(msg.data() + dns::hdr::arcount,
			static_cast<std::uint16_t>(dns::load_be16(msg.data() + dns::hdr::arcount) + 1));
	return mac;
}

Result<std::vector<std::uint8_t>> tsig_verify_request(std::span<const std::uint8_t> msg, const TsigKey &key,
						      std::uint64_t now_s)
{
	auto t = find_tsig(msg);
	if (!t)
		return t.error();
	if (!*t)
		return Error{EACCES, "no TSIG (key " + key.name + " required)"};
	std::vector<std::uint8_t> d;
	append_unsigned_part(d, msg, **t);
	append_variables(d, key, (*t)->time_signed, (*t)->fudge, (*t)->error, (*t)->other, false);
	if (auto r = check(**t, key, d, now_s); !r)
		return r.error();
	return (*t)->mac;
}

Result<void> TsigStreamVerifier::next(std::span<const std::uint8_t> msg, std::uint64_t now_s)
{
	auto t = find_tsig(msg);
	if (!t)
		return t.error();
	const bool first = messages_++ == 0;
	if (!*t) {
		if (first)
			return Error{EACCES, "the answer is not signed (key " + key_.name + ")"};
		// RFC 8945 5.3.1: up to 99 unsigned messages between signed ones.
		if (++unsigned_count_ > 99)
			return Error{EACCES, "more than 99 unsigned messages in a row"};
		append(unsigned_, msg);
		return {};
	}
	std::vector<std::uint8_t> d;
	append_mac(d, prior_mac_);
	append(d, unsigned_);
	append_unsigned_part(d, msg, **t);
	append_variables(d, key_, (*t)->time_signed, (*t)->fudge, (*t)->error, (*t)->other, !first);
	if (auto r = check(**t, key_, d, now_s); !r)
		return r.error();
	prior_mac_ = (*t)->mac;
	unsigned_.clear();
	unsigned_count_ = 0;
	return {};
}

Result<void> TsigStreamVerifier::finish() const
{
	if (messages_ == 0 || unsigned_count_ != 0)
		return Error{EACCES, "the last message is not signed (key " + key_.name + ")"};
	return {};
}

}  // namespace xdpdns::secondary
