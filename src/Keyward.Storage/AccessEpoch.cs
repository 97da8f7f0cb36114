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
}
