using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RequestsKeepTargetGroup : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "TargetGroupId",
                table: "Requests",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            // Every request's target group, from People (docs/scopes.md, "Requests in a reach").
            migrationBuilder.Sql("""
                UPDATE "Requests" SET "TargetGroupId" = "p"."GroupId" FROM "People" AS "p" WHERE "p"."Id" = "Requests"."TargetId";
                """);

            // A request written takes its target's group from People. SQLite has one writer at a time, and a write
            // transaction reads the latest committed rows: no move of the person can come between.
            migrationBuilder.Sql("""
                CREATE TRIGGER "Requests_TargetGroup" AFTER INSERT ON "Requests" FOR EACH ROW
                BEGIN
                    UPDATE "Requests" SET "TargetGroupId" = "p"."GroupId" FROM "People" AS "p"
                    WHERE "Requests"."Id" = NEW."Id" AND "p"."Id" = NEW."TargetId" AND "Requests"."TargetGroupId" IS NOT "p"."GroupId";
                END;
                """);

            // A person who moves takes their requests along, in the same transaction.
            migrationBuilder.Sql("""
                CREATE TRIGGER "People_MovesRequests" AFTER UPDATE OF "GroupId" ON "People" FOR EACH ROW
                WHEN OLD."GroupId" IS NOT NEW."GroupId"
                BEGIN
                    UPDATE "Requests" SET "TargetGroupId" = NEW."GroupId" WHERE "TargetId" = NEW."Id";
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER "People_MovesRequests";""");
            migrationBuilder.Sql("""DROP TRIGGER "Requests_TargetGroup";""");

            migrationBuilder.DropColumn(
                name: "TargetGroupId",
                table: "Requests");
        }
    }
}
