using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Keyward.Storage;

/// <summary>
/// An entity's table and column names as the model maps them, quoted for the context's database: for the few
/// statements Keyward writes by hand on hot paths (<see cref="AuditEntryReader"/>, <see cref="AccessEpoch.Select"/>), so
/// that they follow the model instead of repeating its names.
/// </summary>
internal sealed class QuotedNames
{
    private readonly IEntityType _entity;
    private readonly StoreObjectIdentifier _table;
    private readonly ISqlGenerationHelper _sql;

    private QuotedNames(IEntityType entity, ISqlGenerationHelper sql)
    {
        _entity = entity;
        _table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        _sql = sql;
    }

    /// <summary>The names of <typeparamref name="T"/>'s table on <paramref name="db"/>'s database.</summary>
    public static QuotedNames Of<T>(DbContext db) =>
        new(db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"The model does not map {typeof(T).Name}."), db.GetService<ISqlGenerationHelper>());

    /// <summary>The table, with its schema where it has one.</summary>
    public string Table => _sql.DelimitIdentifier(_table.Name, _table.Schema);

    /// <summary>The column of <paramref name="property"/>.</summary>
    public string Column(string property) => _sql.DelimitIdentifier(_entity.FindProperty(property)!.GetColumnName(_table)!);
}
