using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Tokens.Pkcs11;

/// <summary>
/// A list of PKCS#11 attributes for a search or a new object. Each attribute holds its value in unmanaged memory
/// until disposed, so a template is used in a <c>using</c>.
/// </summary>
internal sealed class Template : IDisposable
{
    private static readonly Net.Pkcs11Interop.HighLevelAPI.Factories.IObjectAttributeFactory Factory = Pkcs11Module.Factories.ObjectAttributeFactory;

    public List<IObjectAttribute> Attributes { get; } = [];

    public Template Add(CKA type, bool value) => Add(Factory.Create(type, value));

    public Template Add(CKA type, string value) => Add(Factory.Create(type, value));

    public Template Add(CKA type, byte[] value) => Add(Factory.Create(type, value));

    public Template Add(CKA type, ulong value) => Add(Factory.Create(type, value));

    public Template Add(CKA type, CKO value) => Add(Factory.Create(type, value));

    public Template Add(CKA type, CKK value) => Add(Factory.Create(type, value));

    public void Dispose()
    {
        foreach (var attribute in Attributes)
        {
            attribute.Dispose();
        }

        Attributes.Clear();
    }

    private Template Add(IObjectAttribute attribute)
    {
        Attributes.Add(attribute);
        return this;
    }
}

/// <summary>Reading attributes of one object, disposing what Pkcs11Interop allocated for them.</summary>
internal static class ObjectAttributes
{
    /// <summary>
    /// Like <see cref="ReadString"/> for an object just found by a search, which another process may destroy
    /// between <c>C_FindObjects</c> and <c>C_GetAttributeValue</c>: null when it has gone.
    /// </summary>
    public static string? ReadStringIfPresent(ISession session, IObjectHandle handle, CKA type)
    {
        try
        {
            return ReadString(session, handle, type);
        }
        catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_OBJECT_HANDLE_INVALID)
        {
            return null;
        }
    }

    /// <summary>Like <see cref="ReadBytes"/> for an object just found by a search: null when it has gone.</summary>
    public static byte[]? ReadBytesIfPresent(ISession session, IObjectHandle handle, CKA type)
    {
        try
        {
            return ReadBytes(session, handle, type);
        }
        catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_OBJECT_HANDLE_INVALID)
        {
            return null;
        }
    }

    public static byte[] ReadBytes(ISession session, IObjectHandle handle, CKA type)
    {
        var attributes = session.GetAttributeValue(handle, [type]);
        try
        {
            return attributes[0].GetValueAsByteArray() ?? [];
        }
        finally
        {
            Dispose(attributes);
        }
    }

    /// <summary>Several attributes of one object in one <c>C_GetAttributeValue</c> exchange (a token may read the object anew for every call).</summary>
    public static byte[][] ReadAllBytes(ISession session, IObjectHandle handle, params CKA[] types)
    {
        var attributes = session.GetAttributeValue(handle, [.. types]);
        try
        {
            return [.. attributes.Select(a => a.GetValueAsByteArray() ?? [])];
        }
        finally
        {
            Dispose(attributes);
        }
    }

    public static string ReadString(ISession session, IObjectHandle handle, CKA type)
    {
        var attributes = session.GetAttributeValue(handle, [type]);
        try
        {
            return attributes[0].CannotBeRead ? string.Empty : attributes[0].GetValueAsString() ?? string.Empty;
        }
        finally
        {
            Dispose(attributes);
        }
    }

    private static void Dispose(List<IObjectAttribute> attributes)
    {
        foreach (var attribute in attributes)
        {
            attribute.Dispose();
        }
    }
}
