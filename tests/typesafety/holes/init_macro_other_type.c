/* HOLE: a message initialised with another type's __INIT macro.  The macro
 * is a brace list, which has no type: it initialises any struct whose
 * members accept its values.  Here shop.ItemRequest gets other.ItemRequest's
 * descriptor; packing works by the wrong descriptor, and the runtime
 * rejects the message as a request of the wrong type (TRPC_EINVAL), but
 * nothing is said at build time.  (Where the member types differ, such as
 * an enum of another type, shop.trpc.h's pragmas make it an error.) */
#include "ts.h"

Shop__ItemRequest req = OTHER__ITEM_REQUEST__INIT;
