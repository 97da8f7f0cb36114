using System.Net;
using System.Net.Sockets;

namespace Keyward.Testing;

/// <summary>Ports for the servers that tests and benchmarks start on the loopback address.</summary>
public static class LoopbackPorts
{
    /// <summary>A port free on 127.0.0.1 at this moment (the system's choice; a server started on it soon after gets it).</summary>
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
