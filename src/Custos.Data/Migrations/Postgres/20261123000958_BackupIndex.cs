using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custos.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class BackupIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "BackedUpMessages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    MailboxId = table.Column<Guid>(type: "uuid", nullable: false),
                    Folder = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    UidValidity = table.Column<long>(type: "bigint", nullable: false),
                    Uid = table.Column<long>(type: "bigint", nullable: false),
                    StoredMessageId = table.Column<Guid>(type: "uuid", nullable: false),
                    SealedHeaders = table.Column<byte[]>(type: "bytea", nullable: false),
                    Date = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LogicalBytes = table.Column<long>(type: "bigint", nullable: false),
                    BackedUpAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BackedUpMessages", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_BackedUpMessages_MailboxId_Folder_UidValidity_Uid",
                table: "BackedUpMessages",
                columns: new[] { "MailboxId", "Folder", "UidValidity", "Uid" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_BackedUpMessages_OrganizationId_MailboxId_Folder_Date",
                table: "BackedUpMessages",
                columns: new[] { "OrganizationId", "MailboxId", "Folder", "Date" });

            migrationBuilder.CreateIndex(
                name: "IX_BackedUpMessages_StoredMessageId",
                table: "BackedUpMessages",
                column: "StoredMessageId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "BackedUpMessages");
        }
    }
}
