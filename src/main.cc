#include "cli/app.h"

int main(int argc, char** argv) { return detour::RunCli(argc, argv); }
