// The operations both example pages send. `npm run codegen` reads them and types them from
// schema.graphql into ../graphql/ (GraphQL Code Generator's client preset), so each result and
// each variables object below is checked against the schema at compile time.
import { graphql } from '../graphql/index.ts';

export const SignUpDocument = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      message
      user { id username email }
    }
  }
`);

export const SignInDocument = graphql(`
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) {
      message
      user { id username }
    }
  }
`);

export const DashboardDocument = graphql(`
  query Dashboard {
    dashboard {
      message
      session { id expiresAt absoluteExpiresAt }
    }
  }
`);

export const LogoutDocument = graphql(`
  mutation Logout {
    logout { message }
  }
`);

export const SendMailDocument = graphql(`
  mutation SendMail($input: SendMailInput!) {
    sendMail(input: $input) { message }
  }
`);

export const ResetPasswordDocument = graphql(`
  mutation ResetPassword($input: ResetPasswordInput!) {
    resetPassword(input: $input) { message }
  }
`);
