using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Custos.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class TabCounters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "OrganizationCountDeltas",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PartnerId = table.Column<Guid>(type: "uuid", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    PlanType = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CredentialError = table.Column<bool>(type: "boolean", nullable: false),
                    Delta = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrganizationCountDeltas", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "OrganizationCounts",
                columns: table => new
                {
                    PartnerId = table.Column<Guid>(type: "uuid", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    PlanType = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CredentialError = table.Column<bool>(type: "boolean", nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrganizationCounts", x => new { x.PartnerId, x.Status, x.PlanType, x.CredentialError });
                });

            migrationBuilder.CreateIndex(
                name: "IX_OrganizationCountDeltas_PartnerId",
                table: "OrganizationCountDeltas",
                column: "PartnerId");

            // Hand-written: the trigger that keeps the counts, and the first count of existing rows.
            migrationBuilder.Sql(Counting.OrganizationCounters.InstallSql);
            migrationBuilder.Sql(Counting.OrganizationCounters.RebuildSql);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Counting.OrganizationCounters.UninstallSql);

            migrationBuilder.DropTable(
                name: "OrganizationCountDeltas");

            migrationBuilder.DropTable(
                name: "OrganizationCounts");
        }
    }
}
