using Keyward.Common;

namespace Keyward.People.Sync;

public static class DirectorySyncErrors
{
    public static readonly Error NotConfigured = new("directory.not_configured", ErrorKind.Conflict, "Directory sync not configured", "This server has no directory to sync from: set Keyward:Directory (docs/directory.md).");

    public static readonly Error Forbidden = new("directory.forbidden", ErrorKind.Forbidden, "Not allowed", "Directory sync needs the ManagePeople operation with scope All.");

    public static readonly Error Busy = new("directory.busy", ErrorKind.Conflict, "Sync already running", "A directory sync is running on this server; try again when it has finished.");

    public static readonly Error BindRefused = new("directory.bind_refused", ErrorKind.Upstream, "Directory refused the bind", "The directory refused Keyward's bind DN and password; nothing was changed.");

    public static readonly Error Unreachable = new("directory.unreachable", ErrorKind.Upstream, "Directory unreachable", "The directory server cannot be reached, or refused TLS; nothing was changed.");

    public static readonly Error ReadFailed = new("directory.read_failed", ErrorKind.Upstream, "Directory search failed", "The directory refused or failed the search (base DN, filter, size or time limit); nothing was changed.");
}
