#pragma once
// Byte helpers of the OAM codecs: a bounds-checked big-endian reader and an
// appending writer. Every read is checked against the bytes given, so a
// parser built on Reader never reads past its input (fuzz/fuzz_oam.cpp).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace l2vpn::oam {

using Bytes = std::vector<uint8_t>;

inline uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t get32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
inline void put32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  size_t left() const { return b_.size() - off_; }
  size_t offset() const { return off_; }
  bool has(size_t n) const { return left() >= n; }
  // Each getter returns false (and reads nothing) when too few bytes are left.
  bool u8(uint8_t& v) {
    if (!has(1)) return false;
    v = b_[off_++];
    return true;
  }
  bool u16(uint16_t& v) {
    if (!has(2)) return false;
    v = get16(b_.data() + off_);
    off_ += 2;
    return true;
  }
  bool u32(uint32_t& v) {
    if (!has(4)) return false;
    v = get32(b_.data() + off_);
    off_ += 4;
    return true;
  }
  bool bytes(size_t n, std::span<const uint8_t>& out) {
    if (!has(n)) return false;
    out = b_.subspan(off_, n);
    off_ += n;
    return true;
  }
  bool skip(size_t n) {
    if (!has(n)) return false;
    off_ += n;
    return true;
  }
  std::span<const uint8_t> rest() const { return b_.subspan(off_); }

 private:
  std::span<const uint8_t> b_;
  size_t off_ = 0;
};

class Writer {
 public:
  explicit Writer(Bytes& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) {
    out_.push_back(uint8_t(v >> 8));
    out_.push_back(uint8_t(v));
  }
  void u32(uint32_t v) {
    u16(uint16_t(v >> 16));
    u16(uint16_t(v));
  }
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
  // Zero bytes up to the next multiple of 4 counted from `from`.
  void pad4(size_t from) { zeros((4 - (out_.size() - from) % 4) % 4); }
  size_t size() const { return out_.size(); }
  // Patches a 16-bit field written earlier (a length known only now).
  void patch16(size_t at, uint16_t v) { put16(out_.data() + at, v); }

 private:
  Bytes& out_;
};

// "10.0.0.1" for a host-order IPv4 address.
std::string ipv4_to_string(uint32_t a);
// Host-order address, or false on bad text.
bool parse_ipv4(std::string_view text, uint32_t& out);

}  // namespace l2vpn::oam
