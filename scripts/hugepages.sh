# Sourced by the benchmark scripts: reserve_hugepages PAGES reserves at
# least PAGES 2 MiB hugepages when run as root (/proc/sys/vm/nr_hugepages)
# and gives the old reservation back when the script exits; otherwise it
# says the bench runs without them (EAL --no-huge).
reserve_hugepages() {
  local pages=$1
  hugepages_nr=/proc/sys/vm/nr_hugepages
  if [[ $(id -u) -eq 0 && -w $hugepages_nr ]]; then
    hugepages_old=$(cat "$hugepages_nr")
    trap 'echo "$hugepages_old" >"$hugepages_nr"' EXIT
    if ((hugepages_old < pages)); then echo "$pages" >"$hugepages_nr"; fi
    echo "hugepages: $(cat "$hugepages_nr") reserved (was $hugepages_old; restored on exit)"
  else
    echo "hugepages: not root, running without (--no-huge)"
  fi
}
