import { HomeDashboard } from "@/components/home-dashboard";
import { PageHeading } from "@/components/page-heading";

export default function HomePage() {
  return (
    <>
      <PageHeading
        title="Live leaderboard"
        description="Submit a game result and watch it travel: the record lands in GameScoreRecords, its stream event reaches the aggregator, and your total moves on the board."
      />
      <HomeDashboard />
    </>
  );
}
