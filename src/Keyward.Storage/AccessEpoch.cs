using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Keyward.Storage;

/// <summary>
/// The one row that holds the access epoch (<see cref="Keyward.Scopes.AccessCache"/>). Triggers on the people, groups,
/// roles and role assignments tables raise it in the transaction that changes them (migration <c>AccessEpoch</c>).
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

    // One statement per kind of context: the provider decides the quoting, the model the names.
    private static readonly ConcurrentDictionary<Type, string> Selects = new();

    /// <summary>The statement that reads the epoch on <paramref name="db"/>'s database, with its names from the model.</summary>
    public static string Select(DbContext db) =>
        Selects.GetOrAdd(db.GetType(), static (_, db) =>
        {
            var entity = db.Model.FindEntityType(typeof(AccessEpoch))!;
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var sql = db.GetService<ISqlGenerationHelper>();
            string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);
            return string.Create(
                CultureInfo.InvariantCulture,
                $"SELECT {Column(nameof(Value))} FROM {sql.DelimitIdentifier(table.Name, table.Schema)} WHERE {Column(nameof(Id))} = {RowId}");
        }, db);
}
