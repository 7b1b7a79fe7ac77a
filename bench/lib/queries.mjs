// The GraphQL documents a genealogy screen sends: about ten fields of each member.

const MEMBER_FIELDS = `id referralCode firstName lastName email country status joinedAt sponsorDepth teamSize`;

export const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) {
    __typename
    ... on MutationLoginSuccess { session { token } }
    ... on Error { message }
  }
}`;

export const DOWNLINE = `query Downline($root: ID!, $first: Int!, $after: String) {
  downline(root: $root, first: $first, after: $after) {
    edges { cursor level node { ${MEMBER_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const UPLINE = `query Upline($id: ID!) {
  upline(id: $id) { ${MEMBER_FIELDS} }
}`;

export const TEAM_STATISTICS = `query TeamStatistics($id: ID!) {
  distributor(id: $id) {
    id firstName lastName teamSize
    teamStatistics { teamSize activeCount newThisMonth month levels { level members } }
  }
}`;

export const ENROLL = `mutation Enroll($input: EnrollDistributorInput!) {
  enrollDistributor(input: $input) {
    __typename
    ... on MutationEnrollDistributorSuccess {
      distributor { ${MEMBER_FIELDS} placementDepth placementPosition }
    }
    ... on Error { message }
  }
}`;

export const MEMBER_IDS_BY_CODE = `query Member($code: String!) { distributor(referralCode: $code) { id } }`;

/** Team statistics with volumes and the first page of the member's legs (the team screen). */
export const TEAM_LEGS_PAGE = `query TeamLegs($id: ID!) {
  distributor(id: $id) {
    id firstName lastName teamSize
    teamStatistics { teamSize activeCount qualifiedCount newThisMonth month levels { level members }
      volume { pv gv gcv qualifiedDownline } }
    legsConnection(first: 50) { edges { node { size root { firstName } volume { gv } } } pageInfo { hasNextPage endCursor } }
  }
}`;

/** The same with every leg in one list (the deprecated \`legs\` field): what the page replaces. */
export const TEAM_LEGS_LIST = `query TeamLegsList($id: ID!) {
  distributor(id: $id) {
    id firstName lastName teamSize
    teamStatistics { teamSize activeCount qualifiedCount newThisMonth month levels { level members }
      volume { pv gv gcv qualifiedDownline } }
    legs { size root { firstName } volume { gv } }
  }
}`;
