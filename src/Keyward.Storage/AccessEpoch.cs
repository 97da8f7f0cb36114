using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Keyward.Storage;

/// <summary>
/// The one row that holds the access epoch (<see cref="Keyward.Scopes.AccessCache"/>). Triggers on the people, groups,
/// roles, role assignments and credential profiles tables raise it in the transaction that changes them (migrations
/// <c>AccessEpoch</c> and <c>ProfilesRaiseAccessEpoch</c>).
/// </summary>
internal sealed class AccessEpoch
{
    public const int RowId = 1;

    /// <summary>
    /// What the model calls the triggers that raise the epoch, so EF Core knows those tables have triggers and saves
    /// to them without a <c>RETURNING</c> clause. (The migration names each trigger after its table and change.)
    /// </summary>
    public const string TriggerName = "AccessEpoch";

    public int Id { get; private set; } = RowId;

    public long Value { get; private set; }

    // One statement per model: each provider's context has its own, with its own quoting.
    private static readonly ConditionalWeakTable<IModel, string> Selects = [];

    /// <summary>The statement that reads the epoch on <paramref name="db"/>'s database, with its names from the model.</summary>
    public static string Select(DbContext db) =>
        Selects.GetValue(db.Model, _ =>
        {
            var names = QuotedNames.Of<AccessEpoch>(db);
            return string.Create(
                CultureInfo.InvariantCulture,
                $"SELECT {names.Column(nameof(Value))} FROM {names.Table} WHERE {names.Column(nameof(Id))} = {RowId}");
        });
}
