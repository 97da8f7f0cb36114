using Keyward.Tokens.Pkcs11;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Tokens.Tests.Support;

/// <summary>Looks at the token's objects directly through PKCS#11, beside the protector, to check what it created.</summary>
public sealed class TokenInspector : IDisposable
{
    private readonly Pkcs11Module _module;
    private readonly ISession _session;

    public TokenInspector(string modulePath, string tokenLabel)
    {
        _module = Pkcs11Module.Acquire(modulePath);
        var slot = _module.Library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label.TrimEnd() == tokenLabel);
        _session = slot.OpenSession(SessionType.ReadWrite);
        try
        {
            _session.Login(CKU.CKU_USER, SoftHsmFixture.UserPin);
        }
        catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
        }
    }

    public List<IObjectHandle> Find(CKO objectClass, string label)
    {
        var factory = Pkcs11Module.Factories.ObjectAttributeFactory;
        var search = new List<IObjectAttribute> { factory.Create(CKA.CKA_CLASS, objectClass), factory.Create(CKA.CKA_LABEL, label) };
        return _session.FindAllObjects(search);
    }

    public bool Bool(IObjectHandle handle, CKA attribute) => _session.GetAttributeValue(handle, [attribute])[0].GetValueAsBool();

    /// <summary>Whether the token refuses to reveal the attribute (CKR_ATTRIBUTE_SENSITIVE).</summary>
    public bool CannotBeRead(IObjectHandle handle, CKA attribute) => _session.GetAttributeValue(handle, [attribute])[0].CannotBeRead;

    public void Dispose()
    {
        _session.CloseSession();
        _module.Release();
    }
}
