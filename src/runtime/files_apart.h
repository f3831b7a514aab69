#pragma once
// A thread's own file descriptor table, apart from the broker thread's.
//
// Linux takes and drops a reference on the file for every system call on a
// descriptor (read, write, epoll_ctl: about ten per MQTT message) when the
// process's descriptor table is shared by several threads, and skips it when
// one thread alone uses the table. With the worker sharing it, the broker
// thread paid ~0.3 us more per message (2.5% of its time in fdget/fput,
// measured by bench/ingest.py and bench/profile.py against a no-op plugin
// with an idle thread that shares the table and one that does not), on every
// message of every client, OTA or not.
//
// So the worker leaves the table before it opens anything: what it opens
// afterwards (the database, its checkpoints, PostgreSQL connections, and the
// threads it starts) lives in its own table, and the broker's descriptors
// are not in it. The two must never meet: a descriptor's number means a
// different file, or none, in the other table. Hence nothing the worker's
// threads open is used, or closed, by the broker thread, and the other way
// round (the worker never writes the broker's log itself: its lines are
// handed over). And no SQLite connection of the broker thread's may share a
// file with the worker's: POSIX locks belong to a descriptor table, and
// SQLite shares one set of locks among a process's connections to a file.
namespace ota {

// Called by a thread that has just started and opened nothing yet: it leaves
// the table shared with the rest of the process for a copy of its own, and
// closes the copies of every descriptor but 0-2 (the broker's sockets and
// files, which it must not hold open). False when the system refuses
// (unshare(CLONE_FILES) forbidden, say, by a container's seccomp profile):
// the thread goes on sharing the table, nothing closed.
bool leave_shared_files();

}  // namespace ota
