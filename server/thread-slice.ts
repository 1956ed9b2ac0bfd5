// The lines' thread asks the kernel for short time slices. Linux's EEVDF scheduler (6.6 and
// later; a slice of one's own from 6.12) gives a task that asks for a shorter slice an earlier
// deadline: when it wakes (a keystroke arrived) it takes the core from a task that has run longer,
// and it is not put behind others that still have most of a long slice to go. Its share of the
// cores is unchanged (that is its nice value, which stays), so this is a request for latency,
// not for more CPU, and needs no privilege. The typists' own processes, woken by every echo the
// lines' thread writes, otherwise take its core from it about 1,000 times a second (bench README).
//
// Node has no call for sched_setattr(2) and util-linux's chrt sets a slice only from 2.41, so the
// call is made by perl (perl-base is part of every Debian and Ubuntu system). Where there is no
// perl, or the thread runs under a policy an operator set (not SCHED_OTHER), it is left as it is.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** sched_setattr and sched_getscheduler, by architecture (x86-64; arm64's are asm-generic's). */
const SYSCALLS: Record<string, [setattr: number, getscheduler: number]> = { x64: [314, 145], arm64: [274, 120] };

// struct sched_attr (version 0, 48 bytes): size, policy, flags, nice, priority, runtime (the slice,
// ns), deadline, period. The nice value is the thread's own, so only the slice changes.
const PERL = `
my ($tid, $ns, $setattr, $getsched) = @ARGV;
my $policy = syscall($getsched + 0, $tid + 0);
die "sched_getscheduler: $!\\n" if $policy < 0;
my $resetOnFork = $policy & 0x40000000;
if (($policy & ~0x40000000) != 0) { print "policy $policy\\n"; exit 0 }
my $nice = getpriority(0, $tid + 0);
my $attr = pack('LLQlLQQQ', 48, 0, $resetOnFork ? 1 : 0, $nice, 0, $ns + 0, 0, 0);
syscall($setattr + 0, $tid + 0, $attr, 0) == 0 or die "sched_setattr: $!\\n";
print "ok\\n";
`;

export interface SliceResult {
  /** the slice the kernel now reports for the thread (µs), or null where it reports none */
  sliceUs: number | null;
  /** why it was left as it was, if it was */
  why?: string;
}

/** A thread's current slice as /proc reports it (Linux 6.6 and later), in µs; this process's unless `pid`. */
export function currentSliceUs(tid: number, pid = process.pid): number | null {
  try {
    const m = /^se\.slice\s*:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1000) : null;
  } catch {
    return null;
  }
}

/** Asks for `us` µs slices for thread `tid` of this process (the kernel keeps it within 100 µs
 *  and 100 ms). Resolves with what the kernel then reports; never rejects. */
export function askSlice(tid: number, us: number): Promise<SliceResult> {
  const nr = SYSCALLS[process.arch];
  if (process.platform !== 'linux' || !nr) return Promise.resolve({ sliceUs: null, why: `no sched_setattr on ${process.platform}/${process.arch}` });
  return new Promise((resolve) => {
    execFile('perl', ['-e', PERL, String(tid), String(us * 1000), String(nr[0]), String(nr[1])], { timeout: 5000 }, (err, stdout, stderr) => {
      const now = currentSliceUs(tid);
      if (err) return resolve({ sliceUs: now, why: (stderr.trim() || err.message).split('\n')[0] });
      if (stdout.startsWith('policy')) return resolve({ sliceUs: now, why: `the thread runs under scheduling ${stdout.trim()}, not SCHED_OTHER: left as set` });
      if (now === null) return resolve({ sliceUs: null, why: 'this kernel reports no slice (Linux before 6.6): nothing to ask' });
      resolve(now === us ? { sliceUs: now } : { sliceUs: now, why: `the kernel kept ${now} µs (slices of one's own are Linux 6.12 and later)` });
    });
  });
}
