// Starts a test peer (tests/peers/*) as a child process on loopback and reads
// the port it prints when ready. The peer's standard input is a pipe: closing
// it (in the destructor) tells the peer to exit, and so does this process
// dying. Header-only, for tests.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace kirchhoff::tests {

class PeerProcess {
 public:
  // Runs `program` with `args` (and "--port 0"); port() is 0 when it failed.
  PeerProcess(const std::string& program, std::vector<std::string> args) {
    int to_child[2];
    int from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) {
      return;
    }
    args.insert(args.begin(), {program, "--port", "0"});
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_child[0], STDIN_FILENO);
      dup2(from_child[1], STDOUT_FILENO);
      close(to_child[1]);
      close(from_child[0]);
      std::vector<char*> argv;
      for (std::string& arg : args) {
        argv.push_back(arg.data());
      }
      argv.push_back(nullptr);
      execv(program.c_str(), argv.data());
      std::_Exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    stdin_ = to_child[1];
    FILE* out = fdopen(from_child[0], "r");
    if (out != nullptr) {
      if (std::fscanf(out, "%d", &port_) != 1) {
        port_ = 0;
      }
      std::fclose(out);
    }
  }
  ~PeerProcess() {
    if (stdin_ >= 0) {
      close(stdin_);
    }
    if (pid_ > 0) {
      int status = 0;
      kill(pid_, SIGTERM);
      waitpid(pid_, &status, 0);
    }
  }
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
};

}  // namespace kirchhoff::tests
