using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AccessEpoch : Migration
    {
        private static readonly string[] AccessTables = ["People", "Groups", "Roles", "RoleAssignment"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AccessEpochs",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    Value = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AccessEpochs", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "AccessEpochs",
                columns: new[] { "Id", "Value" },
                values: new object[] { 1, 0L });

            // Any change to who may do what raises the epoch in the same transaction (docs/architecture.md, "Resolving
            // the caller"): once per statement, so a bulk load or a COPY raises it once, not once per row.
            migrationBuilder.Sql("""
                CREATE FUNCTION keyward_raise_access_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE "AccessEpochs" SET "Value" = "Value" + 1 WHERE "Id" = 1;
                    RETURN NULL;
                END $$;
                """);
            foreach (var table in AccessTables)
            {
                migrationBuilder.Sql($"CREATE TRIGGER \"AccessEpoch_{table}\" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \"{table}\" FOR EACH STATEMENT EXECUTE FUNCTION keyward_raise_access_epoch();");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in AccessTables)
            {
                migrationBuilder.Sql($"DROP TRIGGER \"AccessEpoch_{table}\" ON \"{table}\";");
            }

            migrationBuilder.Sql("DROP FUNCTION keyward_raise_access_epoch();");
            migrationBuilder.DropTable(
                name: "AccessEpochs");
        }
    }
}
