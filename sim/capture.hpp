#pragma once
// Packet captures of emulated links: `l2vpn sim --pcap DIR` writes one
// pcapng file per chosen link, DIR/<a>--<b>.pcapng, with two interfaces:
// 0 is a->b, 1 is b->a (named "a>b" and "b>a"). A frame is recorded when it
// reaches the far end of the wire (LinkDirection::deliver), stamped with its
// arrival in the emulator's time, in nanoseconds since the emulation began
// (Wireshark shows the epoch, 1970-01-01, plus virtual time). Frames lost on
// the wire or tail-dropped by the serializer are not in the file; frames the
// receiver's full rx ring refuses are (they crossed the wire).
//
// Reading them: tshark's guess at what follows the bottom label goes wrong
// when the inner destination MAC starts with a 0 nibble, so name the PW
// labels: `tshark -r F -d mpls.label==LABEL,pwethcw` (or pwethnocw).

#include <rte_mbuf.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "contract/result.hpp"
#include "sim/link.hpp"

namespace l2vpn::sim {

class Backbone;

// A pcapng file (section header, interface descriptions, enhanced packet
// blocks) in the writer's byte order, nanosecond timestamps.
//
// Why not DPDK's rte_pcapng (22.11): it writes one interface description
// per ethdev port at rte_pcapng_fdopen and has no call to add others, and
// our links are rings, not ethdevs (the ethdev limit is 32 per process); and
// rte_pcapng_copy takes TSC cycles, which it turns into wall-clock time
// against a base it reads at load time and keeps private, so it cannot carry
// the emulator's virtual time. The format is three block types; writing them
// is shorter than working around both.
class PcapngWriter {
 public:
  static Result<std::unique_ptr<PcapngWriter>> create(const std::string& path,
                                                      const std::string& comment);
  ~PcapngWriter();
  PcapngWriter(const PcapngWriter&) = delete;
  PcapngWriter& operator=(const PcapngWriter&) = delete;

  // Ethernet interface; before the first packet. Returns its id (0, 1, ...).
  uint32_t add_interface(const std::string& name, const std::string& description);
  // Copies the frame (all segments, up to the snap length).
  void write_packet(uint32_t interface, uint64_t time_ns, const rte_mbuf* m) noexcept;
  uint64_t packets() const { return packets_; }
  const std::string& path() const { return path_; }
  // Flushes and closes; the error names the file (disk full, ...).
  Status close();

 private:
  PcapngWriter(std::string path, FILE* f) : path_(std::move(path)), f_(f) {}
  void put(const void* p, size_t n) noexcept;
  void option(uint16_t code, const void* value, uint16_t len);

  std::string path_;
  FILE* f_;
  bool failed_ = false;
  int error_ = 0;
  uint32_t interfaces_ = 0;
  uint64_t packets_ = 0;
  std::vector<uint8_t> block_;    // the block being built (headers, options)
  std::vector<uint8_t> scratch_;  // a linearised frame
};

// Both directions of one link into one file.
class LinkCapture {
 public:
  LinkCapture(std::unique_ptr<PcapngWriter> w, LinkDirection* a_to_b, LinkDirection* b_to_a);
  ~LinkCapture();  // detaches (the link directions must still exist)
  LinkCapture(const LinkCapture&) = delete;
  LinkCapture& operator=(const LinkCapture&) = delete;

  void detach();
  Status close();  // detaches, then closes the file
  const std::string& path() const { return writer_->path(); }
  uint64_t frames() const { return writer_->packets(); }

 private:
  struct Tap final : LinkTap {
    PcapngWriter* w = nullptr;
    uint32_t interface = 0;
    void frame(const rte_mbuf* m, uint64_t arrival_ns) noexcept override {
      w->write_packet(interface, arrival_ns, m);
    }
  };
  std::unique_ptr<PcapngWriter> writer_;
  LinkDirection* dirs_[2];
  Tap taps_[2];
  bool attached_ = true;
};

// The captures of one emulation. Destroy (or close) it before the Backbone:
// it detaches itself from the backbone's links.
class CaptureSet {
 public:
  std::vector<std::string> paths() const;
  uint64_t frames() const;
  // Stops capturing and closes every file; the first error, if any.
  Status close();

  std::vector<std::unique_ptr<LinkCapture>> captures;  // in topology link order
};

// Opens DIR/<a>--<b>.pcapng for every link named in `link_specs` ("A:B" or
// "A--B", either order; "all" for every link) and starts capturing. DIR is
// created if missing. Parallel links between the same routers get "--2",
// "--3", ... after the first. Errors name the spec or the file.
Result<std::unique_ptr<CaptureSet>> open_captures(Backbone& backbone, const std::string& dir,
                                                  const std::vector<std::string>& link_specs);
// The commands' `--pcap DIR [--pcap-links A:B ...]`: nothing (nullptr)
// without DIR, every link when no link is named.
Result<std::unique_ptr<CaptureSet>> open_pcap_option(Backbone& backbone, const std::string& dir,
                                                     const std::vector<std::string>& links);

}  // namespace l2vpn::sim
