// The kirchhoff binary: wires the command line to the libraries; nothing else.
#include <iostream>
#include <string>
#include <vector>

#include "app/cli.hpp"

int main(int argc, char** argv) {
  kirchhoff::app::mark_process_start();
  const std::vector<std::string> args(argv, argv + argc);
  return kirchhoff::app::run_cli(args, std::cout, std::cerr);
}
