using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace Keyward.Cards;

/// <summary>
/// Decides the <c>CKA_ID</c> of each key to write: the rule that makes a rewrite idempotent and keeps a PIV card's
/// key history. Pure: it looks only at the card's contents, so it is tested without a card.
/// </summary>
/// <remarks>
/// <para>For every certificate, in order: if the card holds that certificate (same DER), its id; else if the card
/// holds the certificate's private key (a key without certificate, left by an interrupted write, or a key whose
/// other certificate shares it), that key's id; else a new id — on a generic token the conventional SHA-1 of the
/// RSA modulus or EC point, on a PIV card the lowest free retired key-management slot.</para>
/// <para>PIV (SP 800-73-4) keeps a cardholder's earlier decryption keys in the twenty retired key-management slots
/// 0x82–0x95. Both PIV PKCS#11 modules Keyward knows — Yubico's ykcs11 and OpenSC's PIV driver — show slot 9A as
/// <c>CKA_ID</c> 01, 9C as 02, 9D as 03, 9E as 04, and retired slot 0x82 + n as 05 + n (05–18 hex). A slot that holds
/// a certificate or a key is occupied and never overwritten; when too few are free, the whole write is refused
/// before anything is written.</para>
/// </remarks>
public static class KeySlots
{
    /// <summary>The first retired key-management slot (PIV key reference 0x82, "Retired Key 1").</summary>
    public const byte FirstRetiredSlot = 0x82;

    /// <summary>The last retired key-management slot (PIV key reference 0x95, "Retired Key 20").</summary>
    public const byte LastRetiredSlot = 0x95;

    private const byte FirstRetiredId = 0x05;

    /// <summary>The <c>CKA_ID</c> (lowercase hex) under which PIV PKCS#11 modules show a PIV key slot.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 9A, 9C, 9D, 9E or 82–95.</exception>
    public static string IdOfPivSlot(byte slot) => slot switch
    {
        0x9A => "01",
        0x9C => "02",
        0x9D => "03",
        0x9E => "04",
        >= FirstRetiredSlot and <= LastRetiredSlot => (FirstRetiredId + slot - FirstRetiredSlot).ToString("x2", CultureInfo.InvariantCulture),
        _ => throw new ArgumentOutOfRangeException(nameof(slot), $"0x{slot:X2} is not a PIV key slot Keyward knows."),
    };

    /// <summary>Places every certificate's key (see the remarks of <see cref="KeySlots"/>).</summary>
    /// <param name="onCard">The card's contents, read after logging in.</param>
    /// <param name="certificates">The certificates to write, DER, none twice; their keys are RSA or EC.</param>
    /// <param name="piv">Whether the card is a PIV card (<see cref="TokenDescription.IsPiv"/>).</param>
    /// <returns>One placement per certificate, in the same order.</returns>
    /// <exception cref="CardException">
    /// <see cref="CardProblem.NotEnoughSlots"/>: a PIV card has fewer free retired slots than keys that need one;
    /// <see cref="CardProblem.UnsupportedMechanism"/>: a certificate's key is neither RSA nor EC.
    /// </exception>
    /// <exception cref="ArgumentException">A certificate is given twice or is not a certificate.</exception>
    public static IReadOnlyList<KeyPlacement> Assign(CardContents onCard, IReadOnlyList<byte[]> certificates, bool piv)
    {
        ArgumentNullException.ThrowIfNull(onCard);
        ArgumentNullException.ThrowIfNull(certificates);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var der in certificates)
        {
            ArgumentNullException.ThrowIfNull(der, nameof(certificates));
            if (!seen.Add(Convert.ToBase64String(der)))
            {
                throw new ArgumentException("A certificate is given twice.", nameof(certificates));
            }
        }

        var keysOnCard = KeysOnCard(onCard);
        var occupied = new HashSet<string>(onCard.OccupiedIds, StringComparer.Ordinal);
        var placements = new KeyPlacement?[certificates.Count];
        var needSlot = new List<(int Index, CertificateKey Key)>();
        for (var i = 0; i < certificates.Count; i++)
        {
            var key = Load(certificates[i]);
            var present = onCard.CertificateWithDer(certificates[i]);
            var keyId = keysOnCard.FirstOrDefault(k => Matches(k.Key, key)).Id;
            if (present is not null)
            {
                placements[i] = new KeyPlacement(present.Id, CertificatePresent: true, KeyPresent: present.HasPrivateKey);
            }
            else if (keyId is not null)
            {
                placements[i] = new KeyPlacement(keyId, CertificatePresent: false, KeyPresent: true);
            }
            else if (!piv)
            {
                placements[i] = new KeyPlacement(key.ConventionalId, CertificatePresent: false, KeyPresent: false);
            }
            else
            {
                needSlot.Add((i, key));
            }
        }

        if (needSlot.Count > 0)
        {
            var free = Enumerable.Range(FirstRetiredSlot, LastRetiredSlot - FirstRetiredSlot + 1)
                .Select(s => IdOfPivSlot((byte)s))
                .Where(id => !occupied.Contains(id))
                .ToList();
            if (free.Count < needSlot.Count)
            {
                throw new CardException(
                    CardProblem.NotEnoughSlots,
                    $"The card has {free.Count} free retired key-management slot{(free.Count == 1 ? string.Empty : "s")} (of 20) and {needSlot.Count} key{(needSlot.Count == 1 ? " needs" : "s need")} one; nothing was written. Remove old keys from the card, or use another card.");
            }

            for (var n = 0; n < needSlot.Count; n++)
            {
                placements[needSlot[n].Index] = new KeyPlacement(free[n], CertificatePresent: false, KeyPresent: false);
            }
        }

        return [.. placements.Select(p => p!)];
    }

    private static List<(string Id, CertificateKey Key)> KeysOnCard(CardContents onCard)
    {
        var keys = new List<(string, CertificateKey)>();
        foreach (var key in onCard.KeysWithoutCertificate)
        {
            if (key.Modulus is not null)
            {
                keys.Add((key.Id, CertificateKey.ForRsaModulus(key.Modulus)));
            }
            else if (key.EcPoint is not null)
            {
                keys.Add((key.Id, CertificateKey.ForEcPoint(key.EcPoint)));
            }
        }

        // A key already paired with another certificate of the same public key (a renewed certificate): the key is there.
        foreach (var certificate in onCard.Certificates.Where(c => c.HasPrivateKey))
        {
            if (TryLoad(certificate.Der) is { } key)
            {
                keys.Add((certificate.Id, key));
            }
        }

        return keys;
    }

    private static bool Matches(CertificateKey onCard, CertificateKey wanted) =>
        onCard.KeyType == wanted.KeyType
        && (wanted.KeyType == CardKeyType.Rsa ? onCard.Modulus!.AsSpan().SequenceEqual(wanted.Modulus) : onCard.EcPoint!.AsSpan().SequenceEqual(wanted.EcPoint));

    private static CertificateKey Load(byte[] der)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(der);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new ArgumentException("A certificate to write is not a DER X.509 certificate.", nameof(der), ex);
        }

        using (certificate)
        {
            return CertificateKey.Of(certificate);
        }
    }

    private static CertificateKey? TryLoad(byte[] der)
    {
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            return CertificateKey.Of(certificate);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or CardException or System.Formats.Asn1.AsnContentException)
        {
            // Another application's certificate Keyward cannot read: it shares no key with what Keyward writes.
            return null;
        }
    }
}
