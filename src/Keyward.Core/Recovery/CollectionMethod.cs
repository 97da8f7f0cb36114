namespace Keyward.Recovery;

/// <summary>
/// How a request's keys reach their holder (docs/recovery.md#collecting), decided by the request's kind and, for
/// soft certificates, the profile's recovery location (<see cref="RecoveryRequest.CollectionMethodUnder"/>). Clients
/// read it from the request instead of working it out.
/// </summary>
public enum CollectionMethod
{
    /// <summary>A password-protected PFX file that the server builds: <c>POST /api/requests/{id}/collect</c>.</summary>
    FileStore = 1,

    /// <summary>Installed by the collecting client into the owner's certificate store; the owner alone collects it.</summary>
    SystemStore = 2,

    /// <summary>Written by the collecting client onto a new smart card.</summary>
    NewCard = 3,

    /// <summary>Written by the collecting client onto the owner's existing smart card (a device update).</summary>
    CardUpdate = 4,
}
