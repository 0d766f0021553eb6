// Helper children of the wrapper that are not part of the task (health
// checks, log compression): created with clone3(CLONE_PIDFD) and no exit
// signal, which makes them "clone children" that the wrapper's waitpid(-1)
// for the task's processes never sees, so they never keep a task "alive" or
// get reaped as part of it. Their end is read from the pidfd. A clone child
// must never exec: exec gives it back an ordinary exit signal (a helper
// that runs a program forks it as a grandchild and waits for it).
#pragma once

#include <sys/types.h>
#include <sys/wait.h>

#include <string>

namespace spmi {

// Like fork(): 0 in the child, the child's pid in the parent (with its pidfd
// in *pidfd), -1 with `err` on failure.
pid_t start_clone_child(int* pidfd, std::string* err);

// The descriptor of the task's lock: every clone child closes it at once.
// A helper holds no lock of its own, and a compression that outlives the
// wrapper must not keep the task looking active (the lock is an open file
// description lock, held while any copy of the descriptor is open).
void set_clone_child_closes(int fd);

// Reaps the ended clone child behind `pidfd` (blocks until it has ended).
// False when it cannot be reaped.
bool reap_clone_child(int pidfd, siginfo_t* info);

}  // namespace spmi
