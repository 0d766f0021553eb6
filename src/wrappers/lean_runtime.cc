// Linked into the lean (static) wrapper executables only.
//
// libstdc++'s default terminate handler prints the demangled exception type,
// which links the whole demangler (~50 KB) into every resident wrapper. The
// wrapper reports its failures itself; on terminate it just aborts.
#include <cstdlib>

namespace __gnu_cxx {
void __verbose_terminate_handler() { std::abort(); }
}  // namespace __gnu_cxx
