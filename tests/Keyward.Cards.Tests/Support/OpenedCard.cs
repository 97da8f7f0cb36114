using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Keyward.Cards.Tests.Support;

/// <summary>A test token's module loaded and the card opened and logged in; reads objects beside the card layer.</summary>
public sealed class OpenedCard : IDisposable
{
    private static readonly Pkcs11InteropFactories Factories = new();

    private OpenedCard(CardModule module, Card card)
    {
        Module = module;
        Card = card;
    }

    public CardModule Module { get; }

    public Card Card { get; }

    public static OpenedCard Login(TestToken token)
    {
        var module = CardModule.Load(token.ModulePath);
        try
        {
            var card = SharedFolder.Open(module, token.Label);
            card.Login(SoftHsmTokens.UserPin);
            return new OpenedCard(module, card);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>The token objects of a class with a CKA_ID (hex).</summary>
    public List<IObjectHandle> Find(CKO objectClass, string id)
    {
        var search = new List<IObjectAttribute>
        {
            Factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, objectClass),
            Factories.ObjectAttributeFactory.Create(CKA.CKA_ID, Convert.FromHexString(id)),
        };
        return Card.Session.FindAllObjects(search);
    }

    public bool Bool(IObjectHandle handle, CKA attribute) => Card.Session.GetAttributeValue(handle, [attribute])[0].GetValueAsBool();

    public bool CannotBeRead(IObjectHandle handle, CKA attribute) => Card.Session.GetAttributeValue(handle, [attribute])[0].CannotBeRead;

    /// <summary>Decrypts on the card with raw PKCS#1 v1.5 (CKM_RSA_PKCS).</summary>
    public byte[] DecryptPkcs1(IObjectHandle key, byte[] ciphertext)
    {
        using var mechanism = Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS);
        return Card.Session.Decrypt(mechanism, key, ciphertext);
    }

    public void Destroy(IObjectHandle handle) => Card.Session.DestroyObject(handle);

    public void Dispose()
    {
        Card.Dispose();
        Module.Dispose();
    }
}
