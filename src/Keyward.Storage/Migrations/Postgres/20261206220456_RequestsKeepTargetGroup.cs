using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keyward.Storage.Migrations.Postgres
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
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            // Every request's target group, from People (docs/scopes.md, "Requests in a reach").
            migrationBuilder.Sql("""
                UPDATE "Requests" AS r SET "TargetGroupId" = p."GroupId" FROM "People" AS p WHERE p."Id" = r."TargetId";
                """);

            // A request written takes its target's group from People. The person's row is held (FOR SHARE) until the
            // writing transaction ends, so a move of that person either committed before and is read here, or waits for
            // this transaction and then moves this request too.
            migrationBuilder.Sql("""
                CREATE FUNCTION keyward_request_target_group() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    target_group character varying(64);
                BEGIN
                    SELECT "GroupId" INTO target_group FROM "People" WHERE "Id" = NEW."TargetId" FOR SHARE;
                    IF FOUND THEN
                        NEW."TargetGroupId" := target_group;
                    END IF;
                    RETURN NEW;
                END
                $$;
                CREATE TRIGGER "Requests_TargetGroup" BEFORE INSERT OR UPDATE OF "TargetId" ON "Requests"
                    FOR EACH ROW EXECUTE FUNCTION keyward_request_target_group();
                """);

            // A person who moves takes their requests along, in the same statement's transaction.
            migrationBuilder.Sql("""
                CREATE FUNCTION keyward_person_moved() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE "Requests" SET "TargetGroupId" = NEW."GroupId" WHERE "TargetId" = NEW."Id";
                    RETURN NULL;
                END
                $$;
                CREATE TRIGGER "People_MovesRequests" AFTER UPDATE OF "GroupId" ON "People"
                    FOR EACH ROW WHEN (OLD."GroupId" IS DISTINCT FROM NEW."GroupId") EXECUTE FUNCTION keyward_person_moved();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER "People_MovesRequests" ON "People";
                DROP FUNCTION keyward_person_moved();
                DROP TRIGGER "Requests_TargetGroup" ON "Requests";
                DROP FUNCTION keyward_request_target_group();
                """);

            migrationBuilder.DropColumn(
                name: "TargetGroupId",
                table: "Requests");
        }
    }
}
