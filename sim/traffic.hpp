#pragma once
// Traffic of the emulator's hosts: the seeded random source and the
// distributions the workloads draw from, the tracking trailer every frame
// carries (flow id, sequence number, send time), and the receivers that
// check every frame: loss, duplication, reordering, misdelivery, latency.
//
// Determinism: one std::mt19937_64 per stream, seeded from the run's seed
// and the stream's number; the distributions are written here (not
// libstdc++'s) so their algorithm is fixed by this file.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace l2vpn::sim {

// ------------------------------------------------------------ random source
class Rng {
 public:
  explicit Rng(uint64_t seed, uint64_t stream = 0) : g_(seed * 0x9e3779b97f4a7c15ULL + stream * 0xbf58476d1ce4e5b9ULL + 1) {}
  uint64_t next() { return g_(); }
  // [0, 1) with 53 random bits.
  double uniform() { return double(g_() >> 11) * 0x1.0p-53; }
  // (0, 1]: safe under log().
  double uniform_pos() { return 1.0 - uniform(); }
  // [0, n)
  uint64_t below(uint64_t n) { return n ? g_() % n : 0; }
  bool chance(double p) { return uniform() < p; }
  double exponential(double mean) { return -mean * std::log(uniform_pos()); }
  // Generalized Pareto (location 0): scale sigma, shape k (k != 0).
  double gen_pareto(double sigma, double k) { return sigma / k * (std::pow(uniform_pos(), -k) - 1.0); }
  // Generalized extreme value: location mu, scale sigma, shape k (k != 0).
  double gev(double mu, double sigma, double k) {
    return mu + sigma / k * (std::pow(-std::log(uniform_pos()), -k) - 1.0);
  }

 private:
  std::mt19937_64 g_;
};

// Facebook's ETC memcached pool (Atikoglu et al., SIGMETRICS 2012): key
// sizes GEV(30.8, 8.2, 0.079), value sizes generalized Pareto(0, 214.5,
// 0.348): median ~170 bytes, 90% under ~1 KB, a tail to tens of KB.
inline uint32_t etc_key_size(Rng& r) {
  double v = r.gev(30.7984, 8.20449, 0.078688);
  return uint32_t(std::clamp(v, 8.0, 250.0));
}
inline uint32_t etc_value_size(Rng& r, uint32_t cap) {
  double v = r.gen_pareto(214.476, 0.348238);
  return uint32_t(std::clamp(v, 1.0, double(cap)));
}

// ------------------------------------------------------------ tracking trailer
// The last 18 bytes of every tracked frame's payload (UDP payload, or the
// padding after an ARP body): magic, flow id, sequence, send time (ns of
// the emulator's clock). Big-endian.
inline constexpr uint16_t kTrailerMagic = 0x4c32;  // "L2"
inline constexpr size_t kTrailerLen = 18;

struct Trailer {
  uint32_t flow = 0;
  uint32_t seq = 0;
  uint64_t send_ns = 0;
};
void write_trailer(uint8_t* p, const Trailer& t);
bool read_trailer(const uint8_t* p, Trailer& t);

// ------------------------------------------------------------ latency histogram
// Log-linear buckets (1024 sub-buckets per power of two: a quantile is
// within 0.1% of the truth; 256 ns at 300 us); min and max are exact.
class LatencyHistogram {
 public:
  void add(uint64_t ns);
  void merge(const LatencyHistogram& o);
  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  // The q-quantile (0..1), the middle of its bucket clamped to [min, max].
  uint64_t quantile(double q) const;

 private:
  static constexpr unsigned kSub = 10;
  static size_t bucket(uint64_t v);
  static uint64_t bucket_low(size_t b);
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0, min_ = std::numeric_limits<uint64_t>::max(), max_ = 0;
};

// ------------------------------------------------------------ flows and receivers
enum class FlowKind : uint8_t { memcached_request, memcached_response, redis_replication, imix, arp, mac_flood };
std::string_view to_string(FlowKind k);

// One receiver of a flow: a unicast flow has one, a broadcast flow one per
// host that should see it.
struct Receiver {
  uint32_t host = 0;
  uint64_t received = 0;    // unique sequence numbers
  uint64_t duplicated = 0;  // copies beyond the first
  uint64_t reordered = 0;   // arrived after a higher sequence number
  uint64_t lat_min = 0, lat_max = 0, lat_sum = 0;
  int64_t max_seq = -1;
  std::vector<uint64_t> seen;  // bit per sequence number from the flow's `base`
  std::vector<uint64_t> lost_in;  // retired: lost per event window + 1 (0: outside)
};

struct Flow {
  uint32_t id = 0;
  FlowKind kind = FlowKind::imix;
  uint32_t service = 0;  // index into the emulator's service list
  uint32_t src = 0;      // host
  int64_t dst = -1;      // host, -1: broadcast to every other site's host of the service
  // Send times of the sequence numbers still held: base, base + 1, ...
  // Older ones were retired (Tracker::retire): counted, then forgotten.
  uint64_t base = 0;
  std::vector<uint64_t> send_ns;
  std::vector<Receiver> receivers;
  std::vector<uint64_t> sent_in;  // retired: sent per event window + 1 (0: outside)
  uint64_t misdelivered = 0;  // reached a host (addressed to it) that is not a receiver
  uint64_t sent() const { return base + send_ns.size(); }
  // Twice the longest a frame of this flow took (any receiver) plus 1 ms:
  // how long before an event a frame of it can have been on its way.
  uint64_t flight_ns() const {
    uint64_t l = 0;
    for (auto& r : receivers) l = std::max(l, r.lat_max);
    return 2 * l + 1'000'000;
  }
  uint64_t send_time(uint64_t seq) const { return send_ns[seq - base]; }
};

// What retired frames left behind, over all flows: per event window, lost
// frames and the send times of the first and last of them.
struct RetiredLosses {
  std::vector<uint64_t> lost, first, last;  // per window
  uint64_t lost_outside = 0;
};

// Per event, in the report's order: when it happened (`at`), and from when
// frames it may have hit were sent (`start`: its time less the in-flight
// bound, so a frame sent before every start was lost by no event).
struct EventWindows {
  std::vector<uint64_t> start, at;
};

// A copy beyond the first: kept so the report can tell the copies an
// H-VPLS spoke switchover delivers (sent before it, received after) from
// any other duplicate.
struct Duplicate {
  uint32_t flow = 0, host = 0;
  uint64_t send_ns = 0, recv_ns = 0;
};

// Every flow of a run: senders register a sequence number per frame,
// hosts report every tracked frame they accept.
class Tracker {
 public:
  uint32_t add_flow(FlowKind kind, uint32_t service, uint32_t src, int64_t dst,
                    std::vector<uint32_t> receivers);
  // The next sequence number of `flow`, recording its send time.
  Trailer next(uint32_t flow, uint64_t now_ns);
  // Forgets the last sequence number handed out (the frame was never sent).
  void unsend(uint32_t flow);
  // A host accepted a tracked frame (addressed to it, or broadcast).
  void receive(uint32_t host, const Trailer& t, uint64_t now_ns);
  uint64_t unknown_frames() const { return unknown_; }  // trailers naming no flow/sequence
  // Memory independent of the run's duration (issue 14): sequence numbers
  // sent before `cutoff_ns` (a frame's flight is long over) are counted
  // into their event window (`window_starts`, as the report's) and
  // forgotten, 64 at a time. A frame arriving after its number was retired
  // counts as an unknown trailer. Without a call nothing is retired.
  void retire(uint64_t cutoff_ns, const EventWindows& windows);
  const RetiredLosses& retired() const { return retired_; }
  // The event a frame sent at `send_ns` belongs to, -1: none. A frame
  // within `flight_ns` (its flow's flight time, with a margin) of a later
  // event whose window holds it was on its way when that event struck: that
  // event's. Otherwise the last event at or before it (the network it was
  // sent into: an outage stays its link-down's even when the link-up comes
  // sooner than the in-flight bound); with neither, the first event whose
  // window reaches back to it. Exactly the frames outside every window
  // (before each event's `start`) get -1, whatever `flight_ns`.
  static int window_of(uint64_t send_ns, const EventWindows& w, uint64_t flight_ns) {
    int in_flight = -1, before = -1, reach = -1;
    for (size_t i = 0; i < w.at.size(); ++i) {
      const uint64_t at = w.at[i];
      if (at <= send_ns) {
        if (before < 0 || at >= w.at[size_t(before)]) before = int(i);
        continue;
      }
      if (send_ns < w.start[i]) continue;
      if (reach < 0 || at < w.at[size_t(reach)]) reach = int(i);
      if (send_ns + flight_ns >= at && (in_flight < 0 || at < w.at[size_t(in_flight)])) in_flight = int(i);
    }
    return in_flight >= 0 ? in_flight : before >= 0 ? before : reach;
  }

  const std::vector<Flow>& flows() const { return flows_; }
  Flow& flow(uint32_t id) { return flows_.at(id); }
  // The first kMaxDuplicates copies (the rest are counted, not kept: a
  // copy not kept is never explained, so memory stays bounded and nothing
  // is excused unseen).
  static constexpr size_t kMaxDuplicates = 65536;
  const std::vector<Duplicate>& duplicates() const { return duplicates_; }
  // Per-service latency of everything received.
  const LatencyHistogram& latency(uint32_t service) const;

 private:
  std::vector<Flow> flows_;
  std::vector<LatencyHistogram> latency_;  // by service
  uint64_t unknown_ = 0;
  RetiredLosses retired_;
  std::vector<Duplicate> duplicates_;
};

// Whether `seq` (counted from the flow's base: seq - Flow::base) of a receiver arrived.
inline bool seen(const Receiver& r, uint64_t seq) {
  return seq / 64 < r.seen.size() && (r.seen[seq / 64] >> (seq % 64) & 1);
}

}  // namespace l2vpn::sim
